/**
 * The dashboard over real HTTP against the real daemon with real jobs: every page's content,
 * headers, methods, errors, assets, and that no secret or config value reaches any answer.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  type DashDaemon,
  FAIL_ERROR,
  SENTINELS,
  STDERR_MARKUP,
  seedJobs,
  startDashDaemon,
} from "./helpers.js";

interface Page {
  status: number;
  headers: Headers;
  body: string;
}

async function get(d: DashDaemon, path: string, init: RequestInit = {}): Promise<Page> {
  const res = await fetch(`${d.base}${path}`, { redirect: "manual", ...init });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

function assertPageHeaders(p: Page, path: string): void {
  assert.match(
    p.headers.get("content-security-policy") ?? "",
    /default-src 'self'.*frame-ancestors 'none'/,
    path,
  );
  assert.equal(p.headers.get("x-content-type-options"), "nosniff", path);
  assert.equal(p.headers.get("x-frame-options"), "DENY", path);
  assert.equal(p.headers.get("referrer-policy"), "no-referrer", path);
}

describe("dashboard on the listener (real daemon, real jobs)", () => {
  let d: DashDaemon;
  let poll: string;
  let child: string;
  let dead: string;

  before(async () => {
    d = await startDashDaemon();
    ({ poll, child, dead } = await seedJobs(d));
  });
  after(async () => {
    await d?.stop();
  });

  it("overview: uptime, queue depth, the 24 h chart with the finished jobs, circuits, health", async () => {
    const p = await get(d, "/");
    assert.equal(p.status, 200);
    assertPageHeaders(p, "/");
    assert.equal(p.headers.get("cache-control"), "no-store");
    assert.match(p.headers.get("content-type") ?? "", /^text\/html; charset=utf-8/);
    assert.match(p.body, /id="uptime"/);
    assert.match(p.body, /id="queue-depth"><span class="k">queued<\/span><span class="v">0</);
    assert.equal(p.body.match(/<g class="bar"/g)?.length, 24);
    const ok = [...p.body.matchAll(/data-succeeded="(\d+)"/g)].reduce((n, m) => n + Number(m[1]), 0);
    const deadCount = [...p.body.matchAll(/data-dead="(\d+)"/g)].reduce((n, m) => n + Number(m[1]), 0);
    assert.equal(ok, 2, "the poll and its child succeeded");
    assert.equal(deadCount, 1, "the failing job is dead");
    assert.match(p.body, /No open circuits/);
    assert.match(p.body, /Every enabled plugin is loaded and healthy/);
    assert.match(p.body, /<title>Overview · dash-test · Postern<\/title>/);
  });

  it("plugins: schedule, next run and why, last success and failure, circuit, dedupe hits", async () => {
    const p = await get(d, "/plugins");
    assert.equal(p.status, 200);
    assertPageHeaders(p, "/plugins");
    const row = (name: string) => {
      const m = new RegExp(`<tr id="plugin-${name}"[\\s\\S]*?</tr>`).exec(p.body);
      assert.ok(m, `row for ${name}`);
      return m[0];
    };
    assert.match(row("scripted-b"), /every 1h, jitter 10m, window 00:00–23:59/);
    assert.match(row("scripted-b"), /<time datetime="[^"]+"/);
    assert.match(row("scripted"), /no schedule/);
    assert.match(row("failing"), /upstream said &lt;b&gt;no&lt;\/b&gt; &amp; gave up/);
    assert.match(
      row("failing"),
      /poll: <span class="badge ok">closed<\/span> <span class="rel">2 failed in a row/,
    );
    assert.match(row("scripted"), /<td class="num">0<\/td>\s*<\/tr>/);
  });

  it("jobs: newest first, filter by plugin and status, 400 naming a bad parameter", async () => {
    const all = await get(d, "/jobs");
    assert.equal(all.status, 200);
    assertPageHeaders(all, "/jobs");
    const ids = [...all.body.matchAll(/<tr data-job="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(ids, [dead, child, poll], "newest first");

    const failing = await get(d, "/jobs?plugin=failing");
    assert.deepEqual(
      [...failing.body.matchAll(/<tr data-job="([^"]+)"/g)].map((m) => m[1]),
      [dead],
    );
    assert.match(failing.body, /<option value="failing" selected>/);
    const deadOnly = await get(d, "/jobs?status=dead");
    assert.deepEqual(
      [...deadOnly.body.matchAll(/<tr data-job="([^"]+)"/g)].map((m) => m[1]),
      [dead],
    );
    const none = await get(d, "/jobs?plugin=scripted&status=dead");
    assert.match(none.body, /No jobs match this filter/);

    const badStatus = await get(d, "/jobs?status=<b>x");
    assert.equal(badStatus.status, 400);
    assertPageHeaders(badStatus, "/jobs?status");
    assert.match(badStatus.body, /status: &quot;&lt;b&gt;x&quot; is not a job status/);
    const badPlugin = await get(d, "/jobs?plugin=..%2Fetc");
    assert.equal(badPlugin.status, 400);
    assert.match(badPlugin.body, /plugin: &quot;..\/etc&quot; is not a plugin name/);
    const badCursor = await get(d, "/jobs?before=nope");
    assert.equal(badCursor.status, 400);
    assert.match(badCursor.body, /before: no job has this id/);
  });

  it("job detail: attempts with errors and escaped stderr, events and the jobs they became, the trace", async () => {
    const failedPage = await get(d, `/jobs/${dead}`);
    assert.equal(failedPage.status, 200);
    const attempts = [...failedPage.body.matchAll(/<tr data-attempt="(\d)" data-status="(\w+)"/g)].map(
      (m) => `${m[1]}:${m[2]}`,
    );
    assert.deepEqual(attempts, ["1:failed", "2:failed"]);
    const errors = failedPage.body.match(/upstream said &lt;b&gt;no&lt;\/b&gt; &amp; gave up/g)?.length ?? 0;
    assert.ok(errors >= 2, `the error of each attempt is shown (${errors})`);
    assert.ok(!failedPage.body.includes(STDERR_MARKUP), "stderr markup must be escaped");
    assert.match(failedPage.body, /&lt;script&gt;window.__pwned = 1&lt;\/script&gt;/);
    assert.match(failedPage.body, /giving up/);
    assert.ok(!failedPage.body.includes(FAIL_ERROR));

    const parent = await get(d, `/jobs/${poll}`);
    assert.match(parent.body, /<tr data-event="[^"]+"><td><code>[^<]+<\/code><\/td><td>ping<\/td>/);
    assert.match(
      parent.body,
      new RegExp(`→ <strong>scripted-b</strong> <a class="job" href="/jobs/${child}"`),
    );
    // The trace: this job, then the child one level deeper.
    const trace = /<ul class="tree" id="trace">[\s\S]*?<\/section>/.exec(parent.body)?.[0] ?? "";
    assert.ok(trace.indexOf(`data-job="${poll}"`) < trace.indexOf(`data-job="${child}"`), trace);

    const childPage = await get(d, `/jobs/${child}`);
    assert.match(childPage.body, new RegExp(`<dt>parent</dt><dd><a class="job" href="/jobs/${poll}"`));
    const childTrace = /<ul class="tree" id="trace">[\s\S]*?<\/section>/.exec(childPage.body)?.[0] ?? "";
    assert.match(
      childTrace,
      new RegExp(
        `data-job="${poll}"[\\s\\S]*<ul><li class="self"><span class="node current" data-job="${child}"`,
      ),
    );
    assert.match(childPage.body, /No events emitted/);
  });

  it("unknown job: 404 page; other methods: 405 with Allow; HEAD: headers only", async () => {
    const missing = await get(d, "/jobs/01900000-0000-7000-8000-00000000dead");
    assert.equal(missing.status, 404);
    assertPageHeaders(missing, "/jobs/missing");
    assert.match(missing.body, /No job has the id <code>01900000-0000-7000-8000-00000000dead<\/code>/);
    const markup = await get(d, "/jobs/%3Cscript%3E");
    assert.equal(markup.status, 404);
    assert.match(markup.body, /<code>&lt;script&gt;<\/code>/);

    for (const path of ["/", "/plugins", "/jobs", `/jobs/${poll}`, "/assets/dashboard.css"]) {
      const post = await get(d, path, { method: "POST", body: "x" });
      assert.equal(post.status, 405, path);
      assert.equal(post.headers.get("allow"), "GET, HEAD", path);
      assertPageHeaders(post, path);
    }
    const head = await get(d, "/plugins", { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.body, "");
    assert.ok(Number(head.headers.get("content-length")) > 500);
  });

  it("assets: right content types, cache headers, ETag revalidation, 404 for others", async () => {
    const page = await get(d, "/");
    const css = /href="(\/assets\/dashboard\.css\?v=[0-9a-f]{12})"/.exec(page.body)?.[1];
    const js = /src="(\/assets\/dashboard\.js\?v=[0-9a-f]{12})"/.exec(page.body)?.[1];
    assert.ok(css && js, "the page links both assets with a version");
    const c = await get(d, css);
    assert.equal(c.status, 200);
    assert.equal(c.headers.get("content-type"), "text/css; charset=utf-8");
    assert.match(c.headers.get("cache-control") ?? "", /max-age=\d+/);
    assertPageHeaders(c, css);
    const j = await get(d, js);
    assert.equal(j.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.match(j.body, /DOMParser/);
    const again = await get(d, css, { headers: { "if-none-match": c.headers.get("etag") ?? "" } });
    assert.equal(again.status, 304);
    assert.equal((await get(d, "/assets/../package.json")).status, 404);
    assert.equal((await get(d, "/assets/nope.js")).status, 404);
  });

  it("no secret or config value appears in any answer", async () => {
    const paths = [
      "/",
      "/plugins",
      "/jobs",
      "/jobs?plugin=scripted",
      `/jobs/${poll}`,
      `/jobs/${child}`,
      `/jobs/${dead}`,
      "/jobs/nope",
      "/jobs?status=bad",
      "/assets/dashboard.css",
      "/assets/dashboard.js",
    ];
    for (const path of paths) {
      const p = await get(d, path);
      for (const [name, value] of Object.entries(SENTINELS)) {
        assert.ok(!p.body.includes(value), `${path} shows ${name}`);
        for (const [h, v] of p.headers) assert.ok(!v.includes(value), `${path} header ${h} shows ${name}`);
      }
    }
    // The sentinels are really there to be leaked: the CLI (database readers) shows the payload.
    const show = await (await import("../ops/helpers.js")).cliAsync(
      ["jobs", "show", poll, "--json", "--config", d.config],
      d.env,
    );
    assert.ok(show.stdout.includes(SENTINELS.eventPayload), "the event payload holds a sentinel");
  });

  it("plugin page: postern why in the browser, 404 for a plugin the config does not have", async () => {
    const p = await get(d, "/plugins/failing");
    assert.equal(p.status, 200);
    assertPageHeaders(p, "/plugins/failing");
    assert.equal(p.headers.get("cache-control"), "no-store");
    assert.match(p.body, /<title>Plugin failing · dash-test · Postern<\/title>/);
    assert.match(p.body, /<nav>.*<a href="\/plugins" aria-current="page">Plugins<\/a>/);
    for (const id of [
      "why-summary",
      "why-runs",
      "why-skips",
      "why-circuits",
      "why-heartbeats",
      "why-alerts",
    ]) {
      assert.match(p.body, new RegExp(`id="${id}"`), id);
    }
    const runs = /<section id="why-runs">[\s\S]*?<\/section>/.exec(p.body)?.[0] ?? "";
    assert.match(
      runs,
      new RegExp(`<tr data-job="${dead}" data-status="dead">\\s*<td><a class="job" href="/jobs/${dead}"`),
    );
    assert.match(runs, /upstream said &lt;b&gt;no&lt;\/b&gt; &amp; gave up/);
    assert.ok(!p.body.includes(FAIL_ERROR), "the plugin's error arrives escaped");
    assert.match(
      p.body,
      /<tr data-command="poll" data-state="closed">\s*<td>poll<\/td><td><span class="badge ok">closed<\/span><\/td><td class="num">2<\/td>/,
    );
    assert.match(p.body, /<tr data-type="postern.job.dead">/);
    assert.match(p.body, /id="no-heartbeats"/);

    const listing = await get(d, "/plugins");
    assert.match(listing.body, /<a class="plugin" href="\/plugins\/failing">failing<\/a>/);
    const job = await get(d, `/jobs/${dead}`);
    assert.match(job.body, /<dt>plugin<\/dt><dd><a href="\/plugins\/failing">failing<\/a><\/dd>/);

    for (const [path, shown] of [
      ["/plugins/nope", "<code>nope</code>"],
      ["/plugins/constructor", "<code>constructor</code>"],
      ["/plugins/__proto__", "<code>__proto__</code>"],
      ["/plugins/%3Cscript%3Ealert(1)%3C%2Fscript%3E", "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>"],
      ["/plugins/%E0%A4%A", "<code></code>"],
      ["/plugins/", "<code></code>"],
    ] as const) {
      const missing = await get(d, path);
      assert.equal(missing.status, 404, path);
      assertPageHeaders(missing, path);
      assert.ok(missing.body.includes(`The config has no plugin named ${shown}`), `${path}: ${missing.body}`);
    }
    const post = await get(d, "/plugins/failing", { method: "POST", body: "x" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD");

    for (const path of ["/plugins/scripted", "/plugins/scripted-b", "/plugins/failing"]) {
      const page = await get(d, path);
      assert.equal(page.status, 200, path);
      for (const [name, value] of Object.entries(SENTINELS)) {
        assert.ok(!page.body.includes(value), `${path} shows ${name}`);
      }
    }
    const m = await get(d, "/metrics");
    assert.match(m.body, /path="\/plugins\/:name"/);
    assert.doesNotMatch(m.body, /path="\/plugins\/(failing|nope|constructor)/);
  });

  it("dashboard paths and /healthz are counted in /metrics under fixed labels", async () => {
    const m = await get(d, "/metrics");
    assert.match(m.body, /path="\/jobs\/:id"/);
    assert.match(m.body, /path="\/assets"/);
    assert.doesNotMatch(m.body, new RegExp(poll));
  });
});

describe("dashboard switched off", () => {
  it("answers 404 on its paths while /healthz still answers", async () => {
    const d = await startDashDaemon({ dashboard: false });
    try {
      for (const path of ["/", "/plugins", "/jobs", "/assets/dashboard.css"]) {
        assert.equal((await get(d, path)).status, 404, path);
      }
      assert.equal((await get(d, "/healthz")).status, 200);
    } finally {
      await d.stop();
    }
  });
});
