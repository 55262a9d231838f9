/**
 * The dashboard's requests: parse and check the path and query, read what the page needs from
 * the store and the runtime, render, and answer with the security headers every response
 * carries. Read-only: GET and HEAD only, and nothing here writes (the store methods it calls
 * are reads). Loaded by the listener on the first dashboard request (src/http/server.ts).
 */

import type { IncomingMessage } from "node:http";
import { PLUGIN_NAME_RE } from "../../config/fields.js";
import type { ServiceDeps } from "../../contracts/service.js";
import { isoUtc } from "../../core/clock.js";
import { describe } from "../../core/errors.js";
import type { Logger } from "../../log/logger.js";
import { pluginStatuses, readLiveSet } from "../../status/model.js";
import { buildWhy } from "../../status/why.js";
import type { JobStatus } from "../../store/index.js";
import type { Answer } from "../webhook.js";
import { assets } from "./assets.js";
import { chartSince, hourBuckets } from "./chart.js";
import { dashboardHostAllowed, hostName } from "./host.js";
import { type Html, html } from "./html.js";
import { jobMain } from "./job.js";
import { JOB_STATUSES, type JobsFilter, jobsFilterForm, jobsMain, PAGE_SIZE } from "./jobs.js";
import { errorPage, type PageInput, page, type Section } from "./layout.js";
import { overviewMain } from "./overview.js";
import type { DashboardLabel } from "./paths.js";
import { pluginMain } from "./plugin.js";
import { pluginsMain } from "./plugins.js";

/** On every dashboard response, pages and assets alike. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-resource-policy": "same-origin",
};

const PAGE_HEADERS = {
  ...SECURITY_HEADERS,
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
};

/** How far the trace tree follows a job's descendants. */
const TREE_LIMITS = { maxNodes: 100, maxDepth: 6 };
/** A poll may emit tens of thousands of events; the page shows the first ones and the count. */
const MAX_EVENTS_SHOWN = 200;
const MAX_PARAM_CHARS = 200;

class BadRequest extends Error {}

export class Dashboard {
  constructor(
    private readonly ctx: ServiceDeps,
    private readonly log: Logger,
  ) {}

  handle(req: IncomingMessage, label: DashboardLabel, path: string, search: string): Answer {
    const config = this.ctx.runtime().config;
    const allowedHosts = config.dashboard.allowed_hosts;
    if (!dashboardHostAllowed(req.headers.host, { allowedHosts, listenHost: config.webhooks.listen.host })) {
      this.log.warn(
        { host: req.headers.host, path },
        `dashboard request refused: Host ${req.headers.host} is not a loopback name, the listen address or in dashboard.allowed_hosts`,
      );
      return {
        code: 403,
        headers: { ...SECURITY_HEADERS, "content-type": "text/plain; charset=utf-8" },
        body: `403 forbidden: the dashboard answers only to loopback host names (localhost, 127.0.0.1, [::1]), the listen address, and the names in dashboard.allowed_hosts; this request named "${hostName(req.headers.host ?? "")}". Behind a reverse proxy, add the name it forwards to dashboard.allowed_hosts.\n`,
      };
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      return {
        code: 405,
        headers: { ...SECURITY_HEADERS, allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" },
        body: "405 method not allowed: the dashboard is read-only (GET and HEAD only); retry, cancel and reset are CLI commands\n",
      };
    }
    if (label === "/assets") return this.asset(req, path);
    const nowMs = this.ctx.clock.now();
    const self = search === "" ? path : `${path}?${search}`;
    const frame = (section: Section | null) => ({
      section,
      service: this.ctx.runtime().config.service.name,
      nowMs,
      self,
      asset: (name: string) => `/assets/${name}?v=${assets().get(name)?.version ?? "0"}`,
    });
    try {
      switch (label) {
        case "/":
          return ok(page({ ...frame("overview"), title: "Overview", main: this.overview(nowMs) }));
        case "/plugins":
          return ok(page({ ...frame("plugins"), title: "Plugins", main: this.plugins(nowMs) }));
        case "/plugins/:name":
          return this.plugin(frame("plugins"), path, nowMs);
        case "/jobs":
          return this.jobs(frame("jobs"), search, nowMs);
        case "/jobs/:id":
          return this.job(frame("jobs"), path, nowMs);
      }
    } catch (e) {
      if (e instanceof BadRequest) {
        return fail(
          400,
          errorPage({
            ...frame(null),
            title: "Bad request",
            code: 400,
            heading: "Bad request",
            detail: e.message,
          }),
        );
      }
      const message = describe(e);
      this.log.error({ err: message, path }, `dashboard ${path}: cannot read the database: ${message}`);
      return fail(
        503,
        errorPage({
          ...frame(null),
          title: "Unavailable",
          code: 503,
          heading: "Database unavailable",
          detail: "The database cannot be read right now; the daemon log has the reason.",
        }),
      );
    }
    return fail(
      404,
      errorPage({ ...frame(null), title: "Not found", code: 404, heading: "Not found", detail: path }),
    );
  }

  private asset(req: IncomingMessage, path: string): Answer {
    const name = path.slice("/assets/".length);
    const a = assets().get(name);
    if (a === undefined) {
      return {
        code: 404,
        headers: {
          ...SECURITY_HEADERS,
          "content-type": "text/plain; charset=utf-8",
          "cache-control": "no-store",
        },
        body: "404 no such asset\n",
      };
    }
    const headers = {
      ...SECURITY_HEADERS,
      "content-type": a.type,
      "cache-control": "public, max-age=86400",
      etag: a.etag,
    };
    if (req.headers["if-none-match"] === a.etag) return { code: 304, headers };
    return { code: 200, headers, body: a.body };
  }

  private overview(nowMs: number): Html {
    const { store, startedAt } = this.ctx;
    const runtime = this.ctx.runtime();
    const stats = store.queueStats(nowMs);
    const running = store.jobPage({ status: "running", limit: 1 })?.jobs[0] ?? null;
    return overviewMain({
      nowMs,
      started_at: isoUtc(startedAt),
      uptime_seconds: Math.max(0, Math.floor((nowMs - startedAt) / 1000)),
      queue_depth: stats.queue_depth,
      oldest_ready_age_seconds: stats.oldest_ready_age_seconds,
      running,
      hours: hourBuckets(store.jobsFinishedPerHour(chartSince(nowMs)), nowMs),
      plugins: pluginStatuses(
        runtime.config,
        runtime.listings,
        store,
        nowMs,
        readLiveSet(store, process.pid),
      ),
    });
  }

  private plugins(nowMs: number): Html {
    const runtime = this.ctx.runtime();
    const { config } = runtime;
    return pluginsMain({
      nowMs,
      plugins: pluginStatuses(
        config,
        runtime.listings,
        this.ctx.store,
        nowMs,
        readLiveSet(this.ctx.store, process.pid),
      ),
      schedules: Object.fromEntries(Object.entries(config.plugins).map(([n, pc]) => [n, pc.schedule])),
      timezone: config.service.timezone,
    });
  }

  /** `postern why NAME` as a page: the report is buildWhy's, bounded there (a few indexed reads). */
  private plugin(frame: Omit<PageInput, "title" | "main">, path: string, nowMs: number): Answer {
    const name = decodedTail(path, "/plugins/");
    const runtime = this.ctx.runtime();
    const { config } = runtime;
    const pc = Object.hasOwn(config.plugins, name) ? config.plugins[name] : undefined;
    if (pc === undefined) {
      return fail(
        404,
        errorPage({
          ...frame,
          title: "No such plugin",
          code: 404,
          heading: "No such plugin",
          detail: html`The config has no plugin named <code>${name.slice(0, MAX_PARAM_CHARS)}</code>. <a href="/plugins">All plugins</a>`,
        }),
      );
    }
    const report = buildWhy(
      config,
      runtime.listings,
      this.ctx.store,
      name,
      nowMs,
      readLiveSet(this.ctx.store, process.pid),
    );
    const main = pluginMain({ nowMs, report, schedule: pc.schedule, timezone: config.service.timezone });
    return ok(page({ ...frame, title: `Plugin ${name}`, main }));
  }

  private jobs(frame: Omit<PageInput, "title" | "main">, search: string, nowMs: number): Answer {
    const filter = parseJobsFilter(search);
    const pageOf = this.ctx.store.jobPage({ ...filter, limit: PAGE_SIZE });
    if (pageOf === null) {
      throw new BadRequest(
        "before: no job has this id (it may have been pruned by retention); start again from the newest jobs at /jobs",
      );
    }
    const plugins = Object.keys(this.ctx.runtime().config.plugins);
    return ok(
      page({
        ...frame,
        title: "Jobs",
        above: jobsFilterForm(filter, plugins),
        main: jobsMain({ nowMs, filter, jobs: pageOf.jobs, next_before: pageOf.next_before, plugins }),
      }),
    );
  }

  private job(frame: Omit<PageInput, "title" | "main">, path: string, nowMs: number): Answer {
    const id = decodedTail(path, "/jobs/");
    const store = this.ctx.store;
    const job = id === "" || id.length > MAX_PARAM_CHARS ? null : store.jobSummary(id);
    if (job === null) {
      return fail(
        404,
        errorPage({
          ...frame,
          title: "No such job",
          code: 404,
          heading: "No such job",
          detail: html`No job has the id <code>${id.slice(0, MAX_PARAM_CHARS)}</code>; it may have been pruned by retention (service.job_log_retention). <a href="/jobs">All jobs</a>`,
        }),
      );
    }
    const main = jobMain({
      nowMs,
      job,
      attempts: store.jobAttempts(id),
      events: store.jobEvents(id, MAX_EVENTS_SHOWN),
      tree: store.jobTree(job, TREE_LIMITS),
    });
    return ok(page({ ...frame, title: `Job ${id.slice(0, 8)}`, main }));
  }
}

/** `plugin`, `status`, `before` from the query; a bad value throws naming the parameter. */
export function parseJobsFilter(search: string): JobsFilter {
  const params = new URLSearchParams(search);
  const one = (name: string): string | undefined => {
    const all = params.getAll(name);
    if (all.length > 1) throw new BadRequest(`${name}: given ${all.length} times; give it once`);
    const v = all[0];
    if (v !== undefined && v.length > MAX_PARAM_CHARS) {
      throw new BadRequest(`${name}: longer than ${MAX_PARAM_CHARS} characters`);
    }
    return v === "" ? undefined : v;
  };
  const filter: JobsFilter = {};
  const plugin = one("plugin");
  if (plugin !== undefined) {
    if (!PLUGIN_NAME_RE.test(plugin)) {
      throw new BadRequest(
        `plugin: "${plugin}" is not a plugin name (letters, digits, "_", "." or "-", not starting with "." or "-")`,
      );
    }
    filter.plugin = plugin;
  }
  const status = one("status");
  if (status !== undefined) {
    if (!(JOB_STATUSES as readonly string[]).includes(status)) {
      throw new BadRequest(`status: "${status}" is not a job status; use one of ${JOB_STATUSES.join(", ")}`);
    }
    filter.status = status as JobStatus;
  }
  const before = one("before");
  if (before !== undefined) filter.before = before;
  return filter;
}

/** The percent-decoded rest of the path after `prefix`; "" when it does not decode. */
function decodedTail(path: string, prefix: string): string {
  try {
    return decodeURIComponent(path.slice(prefix.length));
  } catch {
    return "";
  }
}

function ok(body: Html): Answer {
  return { code: 200, headers: { ...PAGE_HEADERS }, body: body.text };
}

function fail(code: number, body: Html): Answer {
  return { code, headers: { ...PAGE_HEADERS }, body: body.text };
}
