/**
 * The dashboard in a real browser: the system's Chromium, else the npm registry's
 * @sparticuz/chromium (test/helpers/chromium.ts; never a browser downloaded from elsewhere), driven by
 * playwright-core, against the real daemon with real jobs. Checks each page's content, the
 * filter, the trace tree, the plugin page (postern why), that auto-refresh swaps in a new job without a navigation, that no
 * request leaves 127.0.0.1, and that the tables are there with JavaScript off. Screenshots go to
 * test-results/dashboard/. Playwright gives each launch a fresh temporary profile.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { chooseChromium } from "../helpers/chromium.js";
import { repoRoot } from "../helpers/paths.js";
import { type DashDaemon, finishedHours, SENTINELS, seedJobs, startDashDaemon } from "./helpers.js";

const SHOTS = join(repoRoot, "test-results", "dashboard");

describe("dashboard in headless Chromium", () => {
  let d: DashDaemon;
  let browser: Browser;
  let poll: string;
  let child: string;
  let dead: string;
  const requests: string[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    const chosen = await chooseChromium();
    mkdirSync(SHOTS, { recursive: true });
    d = await startDashDaemon();
    ({ poll, child, dead } = await seedJobs(d));
    browser = await chromium.launch({
      executablePath: chosen.executablePath,
      args: chosen.args,
      timeout: 30_000,
    });
  });

  after(async () => {
    await browser?.close();
    await d?.stop();
  });

  async function open(path: string, js = true): Promise<Page> {
    const context = await browser.newContext({
      javaScriptEnabled: js,
      viewport: { width: 1280, height: 900 },
    });
    const page = await context.newPage();
    page.on("request", (r) => requests.push(r.url()));
    page.on("pageerror", (e) => pageErrors.push(`${path}: ${e.message}`));
    page.on("console", (m) => {
      // A CSP violation is reported on the console: none may happen.
      if (m.type() === "error") pageErrors.push(`${path}: console: ${m.text()}`);
    });
    const res = await page.goto(`${d.base}${path}`, { waitUntil: "load" });
    assert.equal(res?.status(), 200, path);
    return page;
  }

  it("overview: cards and the chart", async () => {
    const page = await open("/");
    assert.equal(await page.locator("#jobs-chart g.bar").count(), 24);
    // Two succeeded jobs: one bar, or two when they finished either side of a full hour.
    assert.equal(
      await page.locator("#jobs-chart rect.ok").count(),
      await finishedHours(d, "succeeded"),
      "a bar per hour with succeeded jobs",
    );
    assert.equal(await page.locator("#jobs-chart rect.dead").count(), 1);
    assert.match((await page.locator("#queue-depth .v").textContent()) ?? "", /^\d+$/);
    assert.match((await page.locator("figure.chart figcaption").textContent()) ?? "", /3\s+total/);
    // The script ran (it rewrites the status line) without a CSP violation.
    await page.locator("#refreshed", { hasText: "updated" }).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(SHOTS, "overview.png"), fullPage: true });
    await page.context().close();
  });

  it("plugins: one row per plugin with schedule and next run", async () => {
    const page = await open("/plugins");
    assert.equal(await page.locator("#plugins tbody tr").count(), 3);
    const b = page.locator("#plugin-scripted-b");
    assert.match((await b.textContent()) ?? "", /every 1h, jitter 10m/);
    assert.match(
      (await page.locator("#plugin-failing").textContent()) ?? "",
      /upstream said <b>no<\/b> & gave up/,
    );
    await page.screenshot({ path: join(SHOTS, "plugins.png"), fullPage: true });
    await page.context().close();
  });

  it("jobs: the filter form narrows the table", async () => {
    const page = await open("/jobs");
    // The three seeded jobs, newest first; besides them only scripted-b's scheduled first poll
    // may appear (its jitter puts it anywhere in the first 10 minutes of the daemon's life).
    const listed = await page
      .locator("#jobs tbody tr")
      .evaluateAll((trs) => trs.map((tr) => [tr.getAttribute("data-job"), tr.getAttribute("data-plugin")]));
    const seeded = [dead, child, poll];
    assert.deepEqual(
      listed.map(([id]) => id).filter((id) => seeded.includes(id as string)),
      seeded,
    );
    assert.deepEqual(
      listed.filter(([id]) => !seeded.includes(id as string)).map(([, plugin]) => plugin),
      listed.length === 4 ? ["scripted-b"] : [],
      JSON.stringify(listed),
    );
    await page.selectOption("#filter select[name=status]", "dead");
    await Promise.all([page.waitForURL(/status=dead/), page.click("#filter button[type=submit]")]);
    const rows = page.locator("#jobs tbody tr");
    assert.equal(await rows.count(), 1);
    assert.equal(await rows.first().getAttribute("data-job"), dead);
    await page.screenshot({ path: join(SHOTS, "jobs-filtered.png"), fullPage: true });
    await page.context().close();
  });

  it("job detail: attempts, stderr as text, events, and the trace tree parent → child", async () => {
    const failing = await open(`/jobs/${dead}`);
    assert.equal(await failing.locator("#attempts tr[data-attempt]").count(), 2);
    const stderr = (await failing.locator("#attempts pre").first().textContent()) ?? "";
    assert.match(stderr, /<script>window.__pwned = 1<\/script>/, "shown as text");
    assert.equal(
      await failing.evaluate(() => (window as unknown as { __pwned?: number }).__pwned),
      undefined,
    );
    await failing.screenshot({ path: join(SHOTS, "job-failed.png"), fullPage: true });
    await failing.context().close();

    const page = await open(`/jobs/${child}`);
    const parentNode = page.locator(`#trace .node[data-job="${poll}"]`);
    const selfNode = page.locator(`#trace li.self .node.current[data-job="${child}"]`);
    assert.equal(await parentNode.count(), 1);
    assert.equal(await selfNode.count(), 1);
    // The child sits in a list nested inside the parent's item.
    const nested = await page.evaluate(
      ([p, c]) => {
        const parentLi = document.querySelector(`#trace .node[data-job="${p}"]`)?.closest("li");
        const childNode = document.querySelector(`#trace .node[data-job="${c}"]`);
        return (
          parentLi !== null && parentLi !== undefined && childNode !== null && parentLi.contains(childNode)
        );
      },
      [poll, child],
    );
    assert.equal(nested, true);
    await page.screenshot({ path: join(SHOTS, "job-trace.png"), fullPage: true });
    await page.context().close();

    const parent = await open(`/jobs/${poll}`);
    assert.equal(await parent.locator(`#events a[href="/jobs/${child}"]`).count(), 1);
    await parent.click(`#events a[href="/jobs/${child}"]`);
    await parent.waitForURL(new RegExp(`/jobs/${child}$`));
    await parent.context().close();
  });

  it("auto-refresh swaps in a new job without navigating", async () => {
    const page = await open("/jobs");
    let navigations = 0;
    page.on("framenavigated", (f) => {
      if (f === page.mainFrame()) navigations++;
    });
    await page.evaluate(() => {
      (window as unknown as { __marker: string }).__marker = "same document";
    });
    const fresh = await d.run("scripted");
    await page.locator(`#jobs tr[data-job="${fresh}"]`).waitFor({ timeout: 20_000 });
    assert.equal(navigations, 0);
    assert.equal(
      await page.evaluate(() => (window as unknown as { __marker?: string }).__marker),
      "same document",
    );
    assert.match((await page.locator("#refreshed").textContent()) ?? "", /^updated \d\d:\d\d:\d\dZ$/);
    await d.settled(fresh, "succeeded");
    await page.context().close();
  });

  it("without JavaScript the tables are all there", async () => {
    for (const [path, table] of [
      ["/", "#jobs-chart"],
      ["/plugins", "#plugins tbody tr"],
      ["/jobs", "#jobs tbody tr"],
      [`/jobs/${dead}`, "#attempts tr[data-attempt]"],
    ] as const) {
      const page = await open(path, false);
      assert.ok((await page.locator(table).count()) > 0, `${path}: ${table}`);
      assert.match(
        (await page.locator("#refreshed").textContent()) ?? "",
        /^generated /,
        "the script did not run",
      );
      if (path === "/jobs") await page.screenshot({ path: join(SHOTS, "jobs-no-js.png"), fullPage: true });
      await page.context().close();
    }
  });

  it("plugin page: reached from the list, shows the why sections, links runs to their job pages", async () => {
    const page = await open("/plugins");
    await Promise.all([
      page.waitForURL(/\/plugins\/failing$/),
      page.click('#plugin-failing a.plugin[href="/plugins/failing"]'),
    ]);
    assert.equal(await page.locator("#plugin-name").textContent(), "failing");
    for (const [id, heading] of [
      ["why-runs", "Recent runs"],
      ["why-skips", "Skipped when due"],
      ["why-circuits", "Circuits"],
      ["why-heartbeats", "Heartbeats"],
      ["why-alerts", "Recent alerts"],
    ] as const) {
      assert.equal(await page.locator(`#${id} h2`).textContent(), heading, id);
      assert.ok(await page.locator(`#${id}`).isVisible(), id);
    }
    assert.match((await page.locator("#next-run").textContent()) ?? "", /\S/);
    const run = page.locator(`#runs tr[data-job="${dead}"]`);
    assert.equal(await run.getAttribute("data-status"), "dead");
    assert.match((await run.locator("td.err").textContent()) ?? "", /upstream said <b>no<\/b> & gave up/);
    assert.equal(await page.locator("#circuits tr[data-command=poll]").getAttribute("data-state"), "closed");
    assert.equal(await page.locator('#alerts tr[data-type="postern.job.dead"]').count(), 1);
    // The script's refresh swaps <main> of this page too, without a CSP violation.
    await page.locator("#refreshed", { hasText: "updated" }).waitFor({ timeout: 10_000 });
    assert.equal(await page.locator(`#runs tr[data-job="${dead}"]`).count(), 1);
    await page.screenshot({ path: join(SHOTS, "plugin-why.png"), fullPage: true });
    await Promise.all([page.waitForURL(new RegExp(`/jobs/${dead}$`)), run.locator("a.job").click()]);
    assert.equal(await page.locator("#job-id").textContent(), dead);
    await page.context().close();

    // The same headers as every page (the CSP is not loosened for it), and complete without JavaScript.
    const res = await fetch(`${d.base}/plugins/failing`);
    assert.equal(
      res.headers.get("content-security-policy"),
      "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
    );
    const noJs = await open("/plugins/failing", false);
    assert.equal(await noJs.locator(`#runs tr[data-job="${dead}"]`).count(), 1);
    assert.match((await noJs.locator("#refreshed").textContent()) ?? "", /^generated /);
    await noJs.context().close();
  });

  it("no request left 127.0.0.1, no script error, no secret on screen", async () => {
    assert.ok(requests.length > 0);
    const outside = requests.filter((u) => new URL(u).hostname !== "127.0.0.1");
    assert.deepEqual(outside, []);
    assert.deepEqual(pageErrors, []);
    const page = await open("/plugins");
    const text = await page.content();
    for (const value of Object.values(SENTINELS)) assert.ok(!text.includes(value));
    await page.context().close();
  });
});
