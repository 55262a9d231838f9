/**
 * The HTTP front door (docs/webhooks.md): webhook endpoints, /healthz, /metrics and the read-only
 * dashboard (docs/dashboard.md) on node:http.
 * node:http rather than a framework: the raw body is a plain stream we cap chunk by chunk, no
 * body parser sits in between, and the benchmark's baseline is node:http itself
 * (docs/webhooks.md has the measurement and the reasoning).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { v7 as uuidv7 } from "uuid";
import type { WebhookEndpoint } from "../config/types.js";
import { subscribeAttempts } from "../contracts/attempt-feed.js";
import { alertSettingsOf, type Runtime } from "../contracts/runtime.js";
import type { Service, ServiceDeps } from "../contracts/service.js";
import { describe, PosternError, toError } from "../core/errors.js";
import { logAlerts } from "../log/alerts.js";
import type { Logger } from "../log/logger.js";
import type { EnqueueInput, EnqueueResult } from "../store/index.js";
import type { Dashboard } from "./dashboard/handler.js";
import { dashboardLabel } from "./dashboard/paths.js";
import { GroupCommit } from "./group-commit.js";
import { healthReport } from "./health.js";
import { LazyMetrics } from "./lazy-metrics.js";
import { lingerOnClose } from "./linger.js";
import { addressInUseMessage, probePostern } from "./port-holder.js";
import { WebhookRejections } from "./rejections.js";
import { formatHost, hasBody, isLoopback, splitTarget } from "./request.js";
import { type HttpTimeouts, httpTimeouts } from "./timeouts.js";
import { type Answer, handleWebhook, type WebhookDeps } from "./webhook.js";

/**
 * Group commit bounds (docs/performance.md, "Group commit"): a batch's transaction holds the write
 * lock and the event loop for its inserts, so it is kept short; 256 × ~1 KB bodies insert in a few ms.
 */
export const GROUP_COMMIT_MAX_COUNT = 256;
export const GROUP_COMMIT_MAX_BYTES = 4 * 1024 * 1024;

/** Metrics label for every path that is not ours: unknown paths must not mint new series. */
const OTHER = "other";

export class HttpListener implements Service {
  readonly name = "http";
  private server: Server | null = null;
  private closing = false;
  private unsubscribe: () => void = () => {};
  private readonly log: Logger;
  private readonly metrics: LazyMetrics;
  private readonly webhookDeps: WebhookDeps;
  private readonly rejections: WebhookRejections;
  private readonly ingress: GroupCommit<EnqueueInput, EnqueueResult>;
  private readonly endpointMaps = new WeakMap<Runtime, Map<string, WebhookEndpoint>>();
  /** Imported on the first dashboard request: a daemon nobody looks at never loads it. */
  private dashboard: Promise<Dashboard> | null = null;

  constructor(
    private readonly ctx: ServiceDeps,
    private readonly timeouts: HttpTimeouts,
  ) {
    this.log = ctx.log.child({ component: "http" });
    this.metrics = new LazyMetrics(ctx.store, ctx.clock);
    this.rejections = new WebhookRejections({
      store: ctx.store,
      now: () => ctx.clock.now(),
      count: (path, reason) => this.metrics.recordRejected(path, reason),
      onWriteError: (e) =>
        this.log.error(
          { err: String(e) },
          `the list of recent webhook rejections could not be written: ${String(e)}`,
        ),
      onWritten: (plugins) =>
        this.log.debug({ plugins }, "recent webhook rejections written (postern status shows them)"),
      alerts: () => alertSettingsOf(ctx.runtime()),
      onAlerts: (raised) => {
        logAlerts(this.log, raised);
        if (raised.sent.some((ev) => ev.jobs.length > 0)) ctx.wake?.();
      },
    });
    this.ingress = new GroupCommit<EnqueueInput, EnqueueResult>({
      commit: (inputs) => {
        const results = ctx.submitBatch(inputs);
        if (inputs.length > 1) {
          this.log.debug(
            { batch: inputs.length },
            `group commit: ${inputs.length} webhooks in one transaction`,
          );
        }
        return results;
      },
      schedule: (fn) => setImmediate(fn),
      maxCount: GROUP_COMMIT_MAX_COUNT,
      maxBytes: GROUP_COMMIT_MAX_BYTES,
    });
    this.webhookDeps = {
      clock: ctx.clock,
      log: this.log,
      submit: (input, bytes) => this.ingress.submit(input, bytes),
      maxAttempts: (plugin) => ctx.runtime().config.plugins[plugin]?.retry.max_attempts ?? 4,
      newId: () => uuidv7(),
      bodyTimeoutMs: timeouts.bodyMs,
      rejections: this.rejections,
      secretMatched: (path, index) => this.metrics.recordSecretMatch(path, index),
    };
  }

  /** The bound address (port 0 in the config becomes a real port here). */
  get address(): AddressInfo | null {
    return (this.server?.address() as AddressInfo | null) ?? null;
  }

  async start(): Promise<void> {
    const { host, port } = this.ctx.runtime().config.webhooks.listen;
    const t = this.timeouts;
    const server = createServer({
      headersTimeout: t.headersMs,
      requestTimeout: t.requestMs,
      keepAliveTimeout: t.keepAliveMs,
      connectionsCheckingInterval: t.checkIntervalMs,
    });
    server.on("request", (req, res) => this.onRequest(req, res, null));
    // Handled here so a body we would refuse (unknown path, too large) is never invited.
    server.on("checkContinue", (req, res) => this.onRequest(req, res, () => res.writeContinue()));
    await new Promise<void>((resolve, reject) => {
      const failed = (e: NodeJS.ErrnoException) => reject(e);
      server.once("error", failed);
      server.listen({ host, port }, () => {
        server.off("error", failed);
        resolve();
      });
    }).catch(async (e: NodeJS.ErrnoException) => {
      throw new PosternError("listen_failed", await this.listenFailure(host, port, e));
    });
    server.on("error", (e) => this.log.error({ err: e.message }, `listener error: ${e.message}`));
    this.server = server;
    this.unsubscribe = subscribeAttempts((report) => this.metrics.recordAttempt(report));
    const bound = server.address() as AddressInfo;
    const url = `http://${formatHost(bound.address)}:${bound.port}`;
    this.log.info(
      { host: bound.address, port: bound.port, body_timeout_ms: t.bodyMs },
      `listening on ${url}`,
    );
    if (!isLoopback(bound.address)) {
      this.log.warn(
        { host: bound.address, port: bound.port },
        `webhooks.listen ${bound.address} is not a loopback address: the listener is reachable from the network; put a TLS-terminating reverse proxy in front of it` +
          (this.ctx.runtime().config.dashboard.enabled
            ? "; the read-only dashboard (/, /plugins, /jobs) is reachable too, without authentication: set dashboard.enabled: false or restrict it in the proxy"
            : ""),
      );
    }
  }

  /** Says what to change, and who holds the address when it is another Postern daemon. */
  private async listenFailure(host: string, port: number, e: NodeJS.ErrnoException): Promise<string> {
    const file = this.ctx.runtime().config.file;
    if (e.code === "EADDRINUSE") return addressInUseMessage(host, port, file, await probePostern(host, port));
    return `cannot listen on ${formatHost(host)}:${port} (webhooks.listen): ${e.code ?? e.message}; check webhooks.listen in ${file}`;
  }

  /** A reload that changed `webhooks.listen` rebinds; otherwise the port is never dropped. */
  async onRuntimeChange(previous: Runtime, next: Runtime): Promise<void> {
    const a = previous.config.webhooks.listen;
    const b = next.config.webhooks.listen;
    if (a.host === b.host && a.port === b.port) return;
    this.log.info(`webhooks.listen changed: rebinding from ${formatHost(a.host)}:${a.port}`);
    await this.stop();
    this.closing = false;
    await this.start();
  }

  /**
   * Stops accepting, closes idle keep-alive sockets at once, lets requests in flight finish
   * (their answers close the connection), and forces the rest closed after the body timeout,
   * the longest an in-flight request may legitimately still be reading.
   */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    this.closing = true;
    this.unsubscribe();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const force = setTimeout(() => {
      this.log.warn("connections still open after the body timeout: closing them");
      server.closeAllConnections();
    }, this.timeouts.bodyMs + 1000);
    await closed;
    clearTimeout(force);
    this.rejections.flush();
    this.log.info("listener closed");
  }

  private onRequest(req: IncomingMessage, res: ServerResponse, sendContinue: (() => void) | null): void {
    let label = OTHER;
    this.route(req, res, sendContinue, (l) => {
      label = l;
    }).catch((e: unknown) => {
      const err = toError(e);
      this.log.error({ err: err.message, stack: err.stack, url: req.url }, `500: ${err.message}`);
      if (res.headersSent) res.destroy();
      else this.answer(req, res, label, { code: 500, body: { error: "internal error" }, close: true });
    });
  }

  private async route(
    req: IncomingMessage,
    res: ServerResponse,
    sendContinue: (() => void) | null,
    setLabel: (label: string) => void,
  ): Promise<void> {
    const { path, search } = splitTarget(req.url ?? "");
    if (path === "/healthz" || path === "/metrics") {
      setLabel(path);
      if (req.method !== "GET" && req.method !== "HEAD") {
        return this.answer(req, res, path, {
          code: 405,
          headers: { allow: "GET, HEAD" },
          body: { error: "method not allowed" },
          close: hasBody(req),
        });
      }
      return path === "/healthz" ? this.health(req, res) : this.scrape(req, res);
    }
    const runtime = this.ctx.runtime();
    const page = dashboardLabel(path);
    if (page !== null && runtime.config.dashboard.enabled) {
      setLabel(page);
      const answer = (await this.loadDashboard()).handle(req, page, path, search);
      // The dashboard reads no body: one sent anyway is not drained, so the connection closes.
      return this.answer(req, res, page, { ...answer, close: answer.close || hasBody(req) });
    }
    const endpoint = this.endpoints(runtime).get(path);
    const label = endpoint ? endpoint.path : OTHER;
    setLabel(label);
    // An endpoint whose plugin cannot run does not exist for the outside (docs/webhooks.md step 6).
    if (endpoint === undefined || !runtime.enabledPlugins.has(endpoint.plugin)) {
      return this.answer(req, res, label, { code: 404, body: { error: "not found" }, close: hasBody(req) });
    }
    if (req.method !== "POST") {
      return this.answer(req, res, label, {
        code: 405,
        headers: { allow: "POST" },
        body: { error: "method not allowed" },
        close: hasBody(req),
      });
    }
    const answer = await handleWebhook(this.webhookDeps, endpoint, req, search, sendContinue);
    if (answer === null) {
      res.destroy();
      return;
    }
    this.answer(req, res, label, answer);
  }

  private loadDashboard(): Promise<Dashboard> {
    this.dashboard ??= import("./dashboard/handler.js").then((m) => new m.Dashboard(this.ctx, this.log));
    // A failed import is not cached: the next request tries again (and logs again).
    this.dashboard.catch(() => {
      this.dashboard = null;
    });
    return this.dashboard;
  }

  private health(req: IncomingMessage, res: ServerResponse): void {
    const report = healthReport({
      store: this.ctx.store,
      clock: this.ctx.clock,
      runtime: this.ctx.runtime(),
      startedAt: this.ctx.startedAt,
      onStoreError: (e) => this.storeReadFailed("/healthz", e),
    });
    this.answer(req, res, "/healthz", { code: report.code, body: report.body });
  }

  private async scrape(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { text, contentType } = await this.metrics.render((e) => this.storeReadFailed("/metrics", e));
    this.answer(req, res, "/metrics", {
      code: 200,
      body: text,
      headers: { "content-type": contentType },
    });
  }

  private storeReadFailed(path: string, e: unknown): void {
    const message = describe(e);
    this.log.error({ err: message, path }, `${path}: the database cannot be read: ${message}`);
  }

  private answer(_req: IncomingMessage, res: ServerResponse, label: string, a: Answer): void {
    const payload =
      a.body === undefined ? undefined : typeof a.body === "string" ? a.body : JSON.stringify(a.body);
    const headers: Record<string, string | number> = { ...a.headers };
    if (payload !== undefined && headers["content-type"] === undefined) {
      headers["content-type"] = "application/json";
    }
    headers["content-length"] = payload === undefined ? 0 : Buffer.byteLength(payload);
    // While stopping, no connection is kept for another request.
    if (a.close || this.closing) headers["connection"] = "close";
    if (a.close && res.socket !== null) lingerOnClose(res.socket);
    res.writeHead(a.code, headers);
    res.end(payload);
    this.metrics.recordRequest(label, a.code);
  }

  private endpoints(runtime: Runtime): Map<string, WebhookEndpoint> {
    let map = this.endpointMaps.get(runtime);
    if (map === undefined) {
      map = new Map(runtime.config.webhooks.endpoints.map((e) => [e.path, e]));
      this.endpointMaps.set(runtime, map);
    }
    return map;
  }
}

export function createHttpListener(ctx: ServiceDeps, env = process.env): HttpListener {
  return new HttpListener(ctx, httpTimeouts(env));
}
