/** The dashboard's pure parts: escaping, chart buckets, the trace tree, empty states, filters. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chartSince, hourBuckets, hourChart } from "../../src/http/dashboard/chart.js";
import { ago, duration, truncate, utc } from "../../src/http/dashboard/format.js";
import { parseJobsFilter } from "../../src/http/dashboard/handler.js";
import { escapeHtml, html, raw } from "../../src/http/dashboard/html.js";
import { jobMain, stderrTail, traceTree } from "../../src/http/dashboard/job.js";
import { jobsMain } from "../../src/http/dashboard/jobs.js";
import { page } from "../../src/http/dashboard/layout.js";
import { openCircuits, overviewMain, unhealthyPlugins } from "../../src/http/dashboard/overview.js";
import { dashboardLabel } from "../../src/http/dashboard/paths.js";
import { pluginsMain, scheduleText } from "../../src/http/dashboard/plugins.js";
import type { PluginStatus } from "../../src/status/model.js";
import type { JobSummary, JobTree } from "../../src/store/index.js";

const NOW = Date.parse("2026-03-10T12:34:56.000Z");
const EVIL = `<script>alert("x")</script>&'"`;

function job(over: Partial<JobSummary> = {}): JobSummary {
  return {
    id: "01900000-0000-7000-8000-000000000001",
    plugin: "alpha",
    command: "poll",
    status: "succeeded",
    attempt: 1,
    max_attempts: 4,
    submitted_by: "cli",
    dedupe_key: null,
    created_at: "2026-03-10T12:00:00.000Z",
    started_at: "2026-03-10T12:00:01.000Z",
    completed_at: "2026-03-10T12:00:02.000Z",
    next_retry_at: null,
    last_error: null,
    parent_job_id: null,
    source_event_id: null,
    ...over,
  };
}

function plugin(over: Partial<PluginStatus> = {}): PluginStatus {
  return {
    name: "alpha",
    loaded: true,
    enabled: true,
    healthy: true,
    next_run_at: null,
    next_run_reason: "no schedule",
    last_success_at: null,
    last_failure_at: null,
    last_error: null,
    dedupe_hits: 0,
    circuits: {},
    health: null,
    reason: null,
    paused: null,
    webhook_rejections: [],
    ...over,
  };
}

describe("html template", () => {
  it("escapes every interpolated value, in text and attributes", () => {
    const out = html`<p title="${EVIL}">${EVIL}</p>`.text;
    assert.equal(
      out,
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;&quot;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;&quot;</p>',
    );
    assert.equal(escapeHtml("a&b"), "a&amp;b");
  });

  it("keeps nested templates and raw constants, drops null/undefined/false, joins arrays", () => {
    const inner = html`<b>${"<i>"}</b>`;
    assert.equal(
      html`${inner}${raw("<br>")}${null}${undefined}${false}${[1, "<", inner]}`.text,
      "<b>&lt;i&gt;</b><br>1&lt;<b>&lt;i&gt;</b>",
    );
  });
});

describe("format", () => {
  it("writes UTC times with a relative hint, durations and truncation", () => {
    assert.match(
      utc("2026-03-10T12:30:00.000Z", NOW).text,
      /2026-03-10 12:30:00Z<\/time> <span class="rel">\(4m 56s ago\)/,
    );
    assert.match(utc(null).text, /–/);
    assert.equal(ago(NOW + 3_600_000, NOW), "in 1h");
    assert.equal(duration(90_061_000), "1d 1h");
    assert.equal(duration(450), "450ms");
    assert.deepEqual(truncate("abcdef", 4), { text: "abcd", cut: 2 });
    assert.deepEqual(truncate("😀😀", 1), { text: "😀", cut: 1 });
  });
});

describe("chart", () => {
  it("puts counts in the right UTC hour, oldest first, the current hour last", () => {
    const since = chartSince(NOW);
    assert.equal(new Date(since).toISOString(), "2026-03-09T13:00:00.000Z");
    const buckets = hourBuckets(
      [
        { hour: "2026-03-10T12", status: "succeeded", n: 5 },
        { hour: "2026-03-10T12", status: "dead", n: 2 },
        { hour: "2026-03-09T13", status: "succeeded", n: 1 },
        { hour: "2026-03-09T12", status: "succeeded", n: 99 }, // before the window: ignored
        { hour: "2026-03-10T13", status: "dead", n: 99 }, // after now (clock stepped back): ignored
      ],
      NOW,
    );
    assert.equal(buckets.length, 24);
    assert.deepEqual(buckets[23], { start: "2026-03-10T12:00:00.000Z", succeeded: 5, dead: 2 });
    assert.deepEqual(buckets[0], { start: "2026-03-09T13:00:00.000Z", succeeded: 1, dead: 0 });
    assert.equal(
      buckets.slice(1, 23).every((b) => b.succeeded === 0 && b.dead === 0),
      true,
    );
  });

  it("renders one bar group per hour with scaled stacked rects, and an empty chart without rects", () => {
    const buckets = hourBuckets([{ hour: "2026-03-10T12", status: "succeeded", n: 4 }], NOW);
    const svg = hourChart(buckets).text;
    assert.equal(svg.match(/<g class="bar"/g)?.length, 24);
    assert.equal(svg.match(/<rect class="ok"/g)?.length, 1);
    assert.match(svg, /4 total|<strong>4<\/strong> total/);
    const empty = hourChart(hourBuckets([], NOW)).text;
    assert.equal(empty.match(/<rect class="(ok|dead)"/g), null);
    assert.match(empty, /<strong>0<\/strong> total/);
  });

  it("the legend counts both kinds: succeeded and dead", () => {
    const buckets = hourBuckets(
      [
        { hour: "2026-03-10T12", status: "succeeded", n: 5 },
        { hour: "2026-03-10T12", status: "dead", n: 2 },
        { hour: "2026-03-10T11", status: "succeeded", n: 3 },
      ],
      NOW,
    );
    const caption = /<figcaption>([\s\S]*?)<\/figcaption>/.exec(hourChart(buckets).text)?.[1] ?? "";
    const text = caption.replace(/<[^>]+>/g, "").replace(/\s+/g, " ");
    assert.equal(text, "Jobs finished per hour, last 24 h (UTC): 10 total, succeeded 8, dead 2.");
  });
});

describe("trace tree", () => {
  const root = job({ id: "root-job", plugin: "feed" });
  const parent = job({ id: "parent-job", plugin: "analyzer", parent_job_id: "root-job", command: "handle" });
  const self = job({ id: "self-job", plugin: "notify", parent_job_id: "parent-job", command: "handle" });
  const tree: JobTree = {
    ancestors: [root, parent],
    ancestors_truncated: false,
    children: [
      {
        event: { event_id: "e1", type: "sent" },
        route: { to: "archive", job_id: "child-job", duplicate_of: null, dropped: null },
        job: job({ id: "child-job", plugin: "archive", status: "dead", command: "handle" }),
        children: [],
      },
      {
        event: { event_id: "e1", type: "sent" },
        route: { to: "audit", job_id: null, duplicate_of: "older-job", dropped: null },
        job: null,
        children: [],
      },
      {
        event: { event_id: "e2", type: "x<y>" },
        route: { to: "off", job_id: null, duplicate_of: null, dropped: "plugin disabled" },
        job: null,
        children: [],
      },
    ],
    children_truncated: false,
  };

  it("nests root → parent → this job → children, in that order", () => {
    const out = traceTree(self, tree).text;
    const order = ["root-job", "parent-job", "self-job", "child-job"].map((id) =>
      out.indexOf(`data-job="${id}"`),
    );
    assert.ok(
      order.every((i) => i >= 0),
      out,
    );
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      order,
    );
    // Each level is one <ul> deeper: the child sits inside three nested lists below the root.
    const depthOf = (id: string) => {
      const before = out.slice(0, out.indexOf(`data-job="${id}"`));
      return (before.match(/<ul/g)?.length ?? 0) - (before.match(/<\/ul>/g)?.length ?? 0);
    };
    assert.deepEqual(["root-job", "parent-job", "self-job", "child-job"].map(depthOf), [1, 2, 3, 4]);
    assert.match(out, /class="node current" data-job="self-job"/);
    assert.match(out, /duplicate of <a class="job" href="\/jobs\/older-job"/);
    assert.match(out, /dropped \(plugin disabled\)/);
    assert.match(out, /x&lt;y&gt; →/);
  });

  it("says when the chain was cut by retention or the node limit", () => {
    const out = traceTree(self, {
      ...tree,
      ancestors: [parent],
      ancestors_truncated: true,
      children_truncated: true,
    }).text;
    assert.match(out, /ancestor was pruned by retention/);
    assert.match(out, /more below/);
  });
});

describe("pages", () => {
  it("job detail escapes errors and stderr, shows the stderr tail, and never a payload", () => {
    const out = jobMain({
      nowMs: NOW,
      job: job({ status: "dead", last_error: EVIL }),
      attempts: [
        {
          attempt: 1,
          status: "failed",
          started_at: "2026-03-10T12:00:01.000Z",
          completed_at: "2026-03-10T12:00:02.000Z",
          duration_ms: 1000,
          exit_code: 1,
          signal: null,
          error: EVIL,
          retryable: false,
          stderr: `${"a".repeat(5000)}${EVIL}`,
          stderr_truncated: true,
          stderr_bytes_dropped: 123,
          stdout: "STDOUT-NOT-SHOWN",
          logs: [{ level: "info", message: "LOG-NOT-SHOWN" }],
        },
      ],
      events: {
        events: [{ event_id: "e1", type: EVIL, dedupe_key: EVIL, dropped: null, routes: [] }],
        total: 250,
      },
      tree: { ancestors: [], ancestors_truncated: false, children: [], children_truncated: false },
    }).text;
    assert.doesNotMatch(out, /<script>/);
    assert.match(out, /&lt;script&gt;alert/);
    assert.match(out, /123 earlier bytes dropped/);
    assert.match(out, /showing the last 4000 characters/);
    assert.doesNotMatch(out, /STDOUT-NOT-SHOWN|LOG-NOT-SHOWN/);
    assert.match(out, /not retryable/);
    assert.match(out, /249 more events not shown \(250 in all\)/);
    assert.deepEqual(stderrTail("abcdef", 3), { text: "def", hidden: 3 });
  });

  it("empty states say so instead of showing empty tables", () => {
    const overview = overviewMain({
      nowMs: NOW,
      started_at: "2026-03-10T12:00:00.000Z",
      uptime_seconds: 2096,
      queue_depth: 0,
      oldest_ready_age_seconds: null,
      running: null,
      hours: hourBuckets([], NOW),
      plugins: [],
    }).text;
    assert.match(overview, /No open circuits/);
    assert.match(overview, /Every enabled plugin is loaded and healthy/);
    assert.match(overview, /34m 56s/);
    assert.match(
      pluginsMain({ nowMs: NOW, plugins: [], schedules: {}, timezone: "UTC" }).text,
      /No plugins are configured/,
    );
    assert.match(
      jobsMain({ nowMs: NOW, filter: {}, jobs: [], next_before: null, plugins: [] }).text,
      /No jobs yet/,
    );
    assert.match(
      jobsMain({ nowMs: NOW, filter: { status: "dead" }, jobs: [], next_before: null, plugins: [] }).text,
      /No jobs match this filter/,
    );
  });

  it("overview lists open circuits and unhealthy plugins; plugins page shows schedule and reasons", () => {
    const plugins = [
      plugin({ name: "ok-one" }),
      plugin({
        name: "broken",
        circuits: { poll: { state: "open", failures: 3, opened_at: "2026-03-10T12:00:00.000Z" } },
        last_failure_at: "2026-03-10T12:00:00.000Z",
        last_error: "boom",
      }),
      plugin({ name: "sick", healthy: false, reason: "init failed: <token rejected>" }),
      plugin({ name: "off", enabled: false, healthy: false }),
    ];
    assert.deepEqual(
      openCircuits(plugins).map((c) => `${c.plugin}/${c.command}/${c.state}`),
      ["broken/poll/open"],
    );
    assert.deepEqual(
      unhealthyPlugins(plugins).map((p) => p.name),
      ["sick"],
    );
    const out = pluginsMain({
      nowMs: NOW,
      plugins,
      schedules: {
        "ok-one": {
          every: { kind: "fixed", ms: 3_600_000, text: "hourly" },
          jitter: 600_000,
          preferred_window: { start: { hour: 6, minute: 0 }, end: { hour: 22, minute: 30 } },
        },
      },
      timezone: "Europe/Berlin",
    }).text;
    assert.match(out, /every hourly, jitter 10m, window 06:00–22:30 \(Europe\/Berlin\)/);
    assert.match(out, /init failed: &lt;token rejected&gt;/);
    assert.match(out, /boom/);
    assert.equal(scheduleText(null, "UTC"), "no schedule (webhooks, routes and the CLI only)");
    assert.doesNotMatch(out, /Refused webhook deliveries/, "no section without refusals");
  });

  it("/plugins lists the last refused webhook deliveries, newest first, escaped", () => {
    const out = pluginsMain({
      nowMs: NOW,
      plugins: [
        plugin({
          name: "gh",
          webhook_rejections: [
            {
              at: "2026-03-10T11:00:00.000Z",
              path: "/hook/gh",
              reason: "bad_signature",
              remote: "203.0.113.9",
            },
            {
              at: "2026-03-10T11:30:00.000Z",
              path: `/hook/${EVIL}`,
              reason: "stale_timestamp",
              remote: null,
            },
          ],
        }),
      ],
      schedules: {},
      timezone: "UTC",
    }).text;
    assert.match(out, /Refused webhook deliveries/);
    assert.ok(out.indexOf("stale_timestamp") < out.indexOf("bad_signature"), "newest first");
    assert.match(out, /203\.0\.113\.9/);
    assert.ok(!out.includes(EVIL), "escaped");
  });

  it("the frame links only local assets and has no inline script or style", () => {
    const out = page({
      title: EVIL,
      section: "jobs",
      service: "svc",
      nowMs: NOW,
      main: html`<p>x</p>`,
      self: "/jobs?plugin=a&status=dead",
      asset: (n) => `/assets/${n}?v=abc`,
    }).text;
    assert.match(out, /<link rel="stylesheet" href="\/assets\/dashboard.css\?v=abc">/);
    assert.match(out, /<script src="\/assets\/dashboard.js\?v=abc" defer><\/script>/);
    assert.equal(out.match(/<script/g)?.length, 1);
    assert.doesNotMatch(out, /style=|<style|https?:\/\//);
    assert.match(out, /href="\/jobs\?plugin=a&amp;status=dead"/);
    assert.match(out, /<a href="\/jobs" aria-current="page">/);
    assert.match(out, /<main id="main"/);
  });
});

describe("request parsing", () => {
  it("accepts good filters and names the bad parameter", () => {
    assert.deepEqual(parseJobsFilter("plugin=alpha&status=dead&before=abc"), {
      plugin: "alpha",
      status: "dead",
      before: "abc",
    });
    assert.deepEqual(parseJobsFilter("plugin=&status="), {});
    assert.throws(() => parseJobsFilter("status=failed"), /^Error: status: "failed" is not a job status/);
    assert.throws(() => parseJobsFilter("plugin=../etc"), /^Error: plugin: /);
    assert.throws(() => parseJobsFilter("plugin=a&plugin=b"), /plugin: given 2 times/);
    assert.throws(() => parseJobsFilter(`before=${"x".repeat(300)}`), /before: longer than/);
  });

  it("knows its paths (and only those)", () => {
    assert.equal(dashboardLabel("/"), "/");
    assert.equal(dashboardLabel("/jobs/abc"), "/jobs/:id");
    assert.equal(dashboardLabel("/assets/dashboard.css"), "/assets");
    assert.equal(dashboardLabel("/healthz"), null);
    assert.equal(dashboardLabel("/hook/github"), null);
    assert.equal(dashboardLabel("/jobsx"), null);
  });
});
