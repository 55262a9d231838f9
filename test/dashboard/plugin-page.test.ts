/**
 * `/plugins/<name>`, the dashboard's `postern why`: rendered from buildWhy's report over a real
 * SQLite store (a skip row, an open circuit, a missed heartbeat, an alert, a dead job), every
 * section present, hostile strings escaped wherever they come from.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { loadConfig } from "../../src/config/index.js";
import type { Config } from "../../src/config/types.js";
import { WEBHOOK_REJECTIONS_META_PREFIX } from "../../src/contracts/meta.js";
import type { AlertSettings } from "../../src/core/system-events.js";
import { page } from "../../src/http/dashboard/layout.js";
import { dashboardLabel } from "../../src/http/dashboard/paths.js";
import { pluginMain } from "../../src/http/dashboard/plugin.js";
import { pluginsMain } from "../../src/http/dashboard/plugins.js";
import { discoverInRoots, searchRoots } from "../../src/plugins/index.js";
import type { PluginListing } from "../../src/plugins/types.js";
import { pluginStatuses } from "../../src/status/model.js";
import { buildWhy, type WhyReport } from "../../src/status/why.js";
import type { ClaimedJob } from "../../src/store/index.js";
import { configOf, writeConfig, yaml } from "../config/helpers.js";
import { enqueue, type Fixture, failed, finishAttempt, fixture, idGen } from "../store/helpers.js";
import { dashboardPlugins } from "./helpers.js";

const HOUR = 3_600_000;
/** Markup and an attribute break-out, in every string the store lets a plugin or the core write. */
const HOSTILE = `<script>alert(1)</script>"onload="alert(2)`;
const HOSTILE_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&quot;onload=&quot;alert(2)";

function setup(): { f: Fixture; config: Config; listings: PluginListing[] } {
  const root = mkdtempSync(join(tmpdir(), "postern-plugin-page-"));
  after(() => rmSync(root, { recursive: true, force: true }));
  const dir = dashboardPlugins(root);
  const config = configOf(
    yaml(
      `plugins_dir: ${dir}`,
      "plugins:",
      "  failing:",
      "    schedule: { every: 1h }",
      "    expect: { success_within: 1h }",
      "  scripted: {}",
      "routes:",
      "  - { from: postern, event_type: postern.job.dead, to: scripted }",
    ),
  );
  return { f: fixture(), config, listings: discoverInRoots(searchRoots([dir])) };
}

function alertSettings(): AlertSettings {
  return {
    routes: [{ from: "postern", event_type: "postern.job.dead", to: "scripted" }],
    enabledPlugins: new Set(["failing", "scripted"]),
    maxAttemptsFor: () => 1,
    maxRouteDepth: 8,
    newId: idGen(),
    minIntervalMs: 15 * 60_000,
  };
}

/** The last attempt of `job` fails for good: committed with alerts on, and a circuit that opens at once. */
function dies(f: Fixture, job: ClaimedJob, error: string): void {
  const r = finishAttempt(f, job, failed(error, false), {
    enabled: ["failing", "scripted"],
    breakerThreshold: 1,
    alerts: alertSettings(),
  });
  assert.equal(r.status, "dead");
}

/** The <section> with this id, as text (sections do not nest). */
function section(text: string, id: string): string {
  const m = new RegExp(`<section id="${id}">[\\s\\S]*?</section>`).exec(text);
  assert.ok(m, `section ${id} in the page`);
  return m[0];
}

/** The one table row carrying this attribute. */
function row(text: string, attr: string): string {
  const m = new RegExp(`<tr ${attr}>.*?</tr>`).exec(text);
  assert.ok(m, `a row with ${attr}`);
  return m[0];
}

describe("the plugin page: buildWhy's report from a real store", () => {
  it("shows next run, runs, a skip, an open circuit, a missed heartbeat and an alert, all escaped", () => {
    const { f, config, listings } = setup();
    const settings = alertSettings();
    // The heartbeat's clock starts at first load; an hour with no success misses it.
    assert.equal(
      f.store.checkHeartbeat("failing", "success", HOUR, f.clock.now(), settings).transition,
      null,
    );
    f.store.recordWhy("failing", "window", `outside the window ${HOSTILE}`);
    f.clock.advance(HOUR);
    assert.equal(
      f.store.checkHeartbeat("failing", "success", HOUR, f.clock.now(), settings).transition,
      "missed",
    );
    f.store.recordWhy("failing", "window", `outside the window ${HOSTILE}`);
    const job = enqueue(f.store, "failing", { maxAttempts: 1 });
    const claimed = f.store.claimNextReadyJob(f.clock.now());
    assert.equal(claimed?.id, job.id);
    dies(f, claimed as ClaimedJob, `upstream said ${HOSTILE}`);
    f.clock.advance(60_000);
    const nowMs = f.clock.now();

    const report = buildWhy(config, listings, f.store, "failing", nowMs);
    const main = pluginMain({
      nowMs,
      report,
      schedule: config.plugins.failing?.schedule ?? null,
      timezone: config.service.timezone,
    }).text;

    // Nothing hostile arrives as markup; it arrives as text.
    assert.ok(!main.includes("<script>"), main);
    assert.ok(!main.includes('"onload='), main);
    assert.ok(main.includes(HOSTILE_ESCAPED));

    assert.match(main, /<h1>Plugin <code id="plugin-name">failing<\/code><\/h1>/);
    assert.match(main, /<dt>schedule<\/dt><dd>every 1h<\/dd>/);
    assert.match(
      section(main, "why-runs").replace(/\n/g, ""),
      new RegExp(
        `<tr data-job="${job.id}" data-status="dead"><td><a class="job" href="/jobs/${job.id}".*<td>poll</td><td><span class="badge bad">dead</span></td><td>scheduler</td>.*upstream said ${HOSTILE_ESCAPED.replace(/[()]/g, "\\$&")}`,
      ),
    );
    const skips = section(main, "why-skips").replace(/\n/g, "");
    assert.match(
      skips,
      /<tr data-kind="window"><td><code>window<\/code><\/td><td>outside the window &lt;script&gt;.*?<\/td><td class="num">2<\/td><td><time datetime="2026-01-01T00:00:00.000Z".*<time datetime="2026-01-01T01:00:00.000Z"/,
    );
    assert.match(
      section(main, "why-circuits").replace(/\n/g, ""),
      /<tr data-command="poll" data-state="open"><td>poll<\/td><td><span class="badge bad">open<\/span><\/td><td class="num">1<\/td><td><time datetime="2026-01-01T01:00:00.000Z".*<code class="reset">postern reset failing --command poll<\/code>/,
    );
    assert.match(
      section(main, "why-heartbeats").replace(/\n/g, ""),
      /<tr data-kind="success" data-state="missed"><td>a succeeded job within 1h<\/td><td><span class="badge bad">missed<\/span><\/td><td>none since <time datetime="2026-01-01T00:00:00.000Z".*<td><time datetime="2026-01-01T01:00:00.000Z"/,
    );
    const alerts = section(main, "why-alerts").replace(/\n/g, "");
    assert.match(
      row(alerts, 'data-type="postern.job.dead"'),
      /^<tr data-type="postern.job.dead"><td><time datetime="2026-01-01T01:00:00.000Z".*<td><code>postern.job.dead<\/code><\/td><td>failing poll: 1 job went dead \(upstream said &lt;script&gt;.*<td class="num">1<\/td><td>scripted<\/td><\/tr>$/,
    );
    assert.match(row(alerts, 'data-type="postern.heartbeat.missed"'), /heartbeat missed.*routed nowhere/);
    assert.match(row(alerts, 'data-type="postern.circuit.opened"'), /circuit opened.*routed nowhere/);
    // Every section of `postern why`, in its order.
    const order = [
      "why-summary",
      "why-runs",
      "why-skips",
      "why-circuits",
      "why-heartbeats",
      "why-alerts",
    ].map((id) => main.indexOf(`id="${id}"`));
    assert.ok(
      order.every((at, i) => at >= 0 && (i === 0 || at > (order[i - 1] as number))),
      String(order),
    );
    // The next run says why it is then, like `postern why`.
    assert.ok(main.includes(`<div class="why">${report.next_run_reason.replace(/&/g, "&amp;")}</div>`));
  });

  it("says plainly when a section is empty", () => {
    const { f, config, listings } = setup();
    const report = buildWhy(config, listings, f.store, "scripted", f.clock.now());
    const main = pluginMain({ nowMs: f.clock.now(), report, schedule: null, timezone: "UTC" }).text;
    for (const id of ["no-runs", "no-skips", "no-circuits", "no-heartbeats", "no-alerts"]) {
      assert.match(main, new RegExp(`<p class="empty" id="${id}">`), id);
    }
    assert.match(main, /no schedule \(webhooks, routes and the CLI only\)/);
    assert.match(
      main,
      /No skipped runs recorded \(it has no schedule, so the scheduler never finds it due\)/,
    );
  });

  it("escapes a hostile plugin name in the heading, the links and the page title", () => {
    const name = `x"><img src=y onerror=alert(1)>`;
    const report: WhyReport = {
      plugin: name,
      enabled: true,
      loaded: false,
      healthy: null,
      reason: `no plugin directory ${HOSTILE}`,
      next_run_at: null,
      next_run_reason: `because ${HOSTILE}`,
      runs: [
        {
          job_id: `j"><b>1`,
          command: "poll",
          status: "dead",
          submitted_by: "cli",
          created_at: "2026-01-01T00:00:00.000Z",
          completed_at: null,
          last_error: HOSTILE,
        },
      ],
      paused: { all: false, commands: [`c${HOSTILE}`], since: "2026-01-01T00:00:00.000Z" },
      webhook_rejections: [
        { at: "2026-01-01T00:00:00.000Z", path: `/h${HOSTILE}`, reason: HOSTILE, remote: HOSTILE },
      ],
      skips: [],
      circuits: { [`c${HOSTILE}`]: { state: "open", failures: 3, opened_at: "2026-01-01T00:00:00.000Z" } },
      heartbeats: [],
      alerts: [
        {
          type: "postern.job.dead",
          at: "2026-01-01T00:00:00.000Z",
          title: HOSTILE,
          count: 1,
          routed_to: [HOSTILE],
        },
      ],
    };
    const nowMs = Date.parse("2026-01-01T00:01:00.000Z");
    const text = page({
      title: `Plugin ${name}`,
      section: "plugins",
      service: "svc",
      nowMs,
      self: `/plugins/${encodeURIComponent(name)}`,
      asset: (n) => `/assets/${n}`,
      main: pluginMain({ nowMs, report, schedule: null, timezone: "UTC" }),
    }).text;
    assert.ok(!text.includes("<img"), text);
    assert.ok(!text.includes("<script>alert"), text);
    assert.ok(!text.includes('"onload='), text);
    assert.ok(!text.includes("<b>1"), text);
    assert.match(
      text,
      /<title>Plugin x&quot;&gt;&lt;img src=y onerror=alert\(1\)&gt; · svc · Postern<\/title>/,
    );
    assert.match(text, /href="\/jobs\?plugin=x%22%3E%3Cimg%20src%3Dy%20onerror%3Dalert\(1\)%3E"/);
    assert.match(text, /href="\/jobs\/j%22%3E%3Cb%3E1"/);
    assert.match(text, /<span class="badge bad">refused<\/span>/);
  });

  it("shows a pause and the refused webhook deliveries, like postern why", () => {
    const { f, config, listings } = setup();
    assert.equal(f.store.pause("failing", null), true);
    const rejections = [
      {
        at: "2026-01-01T00:00:01.000Z",
        path: "/hooks/failing",
        reason: "bad_signature",
        remote: "127.0.0.1",
      },
      { at: "2026-01-01T00:00:02.000Z", path: "/hooks/failing", reason: "stale_timestamp", remote: null },
    ];
    f.store.putMeta(`${WEBHOOK_REJECTIONS_META_PREFIX}failing`, rejections);
    const nowMs = f.clock.now();
    const report = buildWhy(config, listings, f.store, "failing", nowMs);
    assert.equal(report.paused?.all, true);
    const main = pluginMain({ nowMs, report, schedule: null, timezone: "UTC" }).text;
    assert.match(main, /<span class="badge warn">paused<\/span>/);
    assert.match(
      main,
      /<div class="paused" id="paused">paused since <time datetime="2026-01-01T00:00:00.000Z"/,
    );
    assert.match(main, /<code>postern resume failing<\/code> to run it again/);
    const refused = section(main, "why-rejections").replace(/\n/g, "");
    // Newest first, as on the plugin list.
    assert.match(
      refused,
      /stale_timestamp<\/td><td><\/td><\/tr><tr><td><time[^>]*>.*<\/td><td>\/hooks\/failing<\/td><td>bad_signature<\/td><td>127\.0\.0\.1<\/td>/,
    );
    // A plugin without refusals has no such section, and no pause line.
    const other = pluginMain({
      nowMs,
      report: buildWhy(config, listings, f.store, "scripted", nowMs),
      schedule: null,
      timezone: "UTC",
    }).text;
    assert.ok(!other.includes('id="why-rejections"'));
    assert.ok(!other.includes('id="paused"'));
  });

  it("the plugin list links each plugin to its page", () => {
    const { f, config, listings } = setup();
    const nowMs = f.clock.now();
    const text = pluginsMain({
      nowMs,
      plugins: pluginStatuses(config, listings, f.store, nowMs),
      schedules: { failing: config.plugins.failing?.schedule ?? null, scripted: null },
      timezone: "UTC",
    }).text;
    assert.match(text, /<a class="plugin" href="\/plugins\/failing">failing<\/a>/);
    assert.match(text, /<a class="plugin" href="\/plugins\/scripted">scripted<\/a>/);
  });
});

describe("the plugin page's path", () => {
  it("is one metrics label whatever the name, and not a webhook endpoint's to take", () => {
    assert.equal(dashboardLabel("/plugins/failing"), "/plugins/:name");
    assert.equal(dashboardLabel("/plugins/%3Cscript%3E"), "/plugins/:name");
    assert.equal(dashboardLabel("/pluginsfeed"), null);
    const endpoint = (path: string) =>
      loadConfig(
        writeConfig(
          yaml(
            "plugins_dir: ./p",
            "webhooks:",
            "  endpoints:",
            `    - { path: ${path}, plugin: a, secret: s }`,
          ),
        ),
        {},
      );
    const refused = endpoint("/plugins/github");
    assert.equal(refused.ok, false);
    const problem = refused.ok
      ? undefined
      : refused.errors.find((e) => e.path === "webhooks.endpoints.0.path");
    assert.match(
      problem?.message ?? "",
      /"\/plugins\/github" is reserved .*under \/plugins\/, .*pick another path/,
    );
    const allowed = endpoint("/pluginsfeed");
    const other = allowed.ok ? undefined : allowed.errors.find((e) => e.path === "webhooks.endpoints.0.path");
    assert.equal(other, undefined, other?.message);
  });
});
