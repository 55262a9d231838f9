/** The dashboard's store reads on a real SQLite file: pages, the hourly counts, the trace tree. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config/index.js";
import { writeConfig, yaml } from "../config/helpers.js";
import { claim, enqueue, failed, finishAttempt, fixture, ok } from "../store/helpers.js";

const HOUR = 3_600_000;

describe("dashboard store reads", () => {
  it("pages through jobs newest first with a cursor, filtered, without overlap", () => {
    const f = fixture();
    const made: string[] = [];
    for (let i = 0; i < 23; i++) made.push(enqueue(f.store, i % 2 === 0 ? "a" : "b").id);
    const seen: string[] = [];
    let before: string | undefined;
    for (let guard = 0; guard < 10; guard++) {
      const p = f.store.jobPage({ limit: 10, ...(before ? { before } : {}) });
      assert.ok(p !== null);
      seen.push(...p.jobs.map((j) => j.id));
      if (p.next_before === null) break;
      before = p.next_before;
    }
    assert.deepEqual(seen, [...made].reverse());
    const onlyA = f.store.jobPage({ plugin: "a", limit: 100 });
    assert.equal(onlyA?.jobs.length, 12);
    assert.ok(onlyA?.jobs.every((j) => j.plugin === "a"));
    assert.equal(onlyA?.next_before, null);
    assert.equal(f.store.jobPage({ before: "no-such-job", limit: 10 }), null);
    // Summaries carry no payload at all.
    assert.ok(!("payload" in (onlyA?.jobs[0] ?? {})));
  });

  it("counts finished jobs per UTC hour and status from the given time on", () => {
    const f = fixture();
    const start = f.clock.now();
    enqueue(f.store, "a");
    finishAttempt(f, claim(f), ok());
    f.clock.advance(HOUR);
    enqueue(f.store, "a");
    enqueue(f.store, "b");
    finishAttempt(f, claim(f), ok());
    finishAttempt(f, claim(f), failed("nope", false));
    const hour = (ms: number) => new Date(ms).toISOString().slice(0, 13);
    const rows = f.store
      .jobsFinishedPerHour(start)
      .sort((x, y) => `${x.hour}${x.status}`.localeCompare(`${y.hour}${y.status}`));
    assert.deepEqual(rows, [
      { hour: hour(start), status: "succeeded", n: 1 },
      { hour: hour(start + HOUR), status: "dead", n: 1 },
      { hour: hour(start + HOUR), status: "succeeded", n: 1 },
    ]);
    assert.deepEqual(f.store.jobsFinishedPerHour(start + 2 * HOUR), []);
  });

  it("follows a chain up to its root and down through the events' routes, within limits", () => {
    const f = fixture();
    const routes = [
      { from: "a", event_type: "go", to: "b" },
      { from: "b", event_type: "go", to: "c" },
    ];
    const root = enqueue(f.store, "a");
    finishAttempt(f, claim(f), ok({ events: [{ type: "go", payload: { secret: "x" } }] }), { routes });
    const mid = claim(f);
    finishAttempt(
      f,
      mid,
      ok({
        events: [
          { type: "go", payload: {} },
          { type: "go", payload: {} },
        ],
      }),
      { routes },
    );
    const leaf = claim(f);
    finishAttempt(f, leaf, ok(), { routes });

    const rootJob = f.store.jobSummary(root.id);
    assert.ok(rootJob);
    const down = f.store.jobTree(rootJob, { maxNodes: 100, maxDepth: 6 });
    assert.deepEqual(down.ancestors, []);
    assert.equal(down.children.length, 1);
    assert.equal(down.children[0]?.job?.id, mid.id);
    assert.equal(down.children[0]?.event.type, "go");
    assert.equal(down.children[0]?.children.length, 2);
    assert.equal(down.children_truncated, false);

    const leafJob = f.store.jobSummary(leaf.id);
    assert.ok(leafJob);
    const up = f.store.jobTree(leafJob, { maxNodes: 100, maxDepth: 6 });
    assert.deepEqual(
      up.ancestors.map((j) => j.id),
      [root.id, mid.id],
    );

    const cut = f.store.jobTree(rootJob, { maxNodes: 2, maxDepth: 6 });
    assert.equal(cut.children_truncated, true);
    const shallow = f.store.jobTree(rootJob, { maxNodes: 100, maxDepth: 1 });
    assert.deepEqual(shallow.children[0]?.children, []);
    assert.equal(shallow.children_truncated, true);

    const { events, total } = f.store.jobEvents(root.id, 200);
    assert.equal(events.length, 1);
    assert.equal(total, 1);
    assert.deepEqual(f.store.jobEvents(root.id, 0), { events: [], total: 1 }, "bounded, and still counted");
    assert.ok(!("payload" in (events[0] ?? {})), "event summaries carry no payload");
    assert.deepEqual(
      events[0]?.routes.map((r) => r.job_id),
      [mid.id],
    );
  });
});

describe("dashboard config", () => {
  const base = (extra: string[]) => yaml("plugins_dir: ./p", "webhooks:", "  endpoints:", ...extra);

  it("reserves the dashboard's paths for webhook endpoints, with a message that says what to do", () => {
    for (const path of ["/plugins", "/jobs", "/jobs/x", "/assets/dashboard.css"]) {
      const r = loadConfig(writeConfig(base([`    - { path: ${path}, plugin: a, secret: s }`])), {});
      assert.equal(r.ok, false, path);
      const problem = r.ok ? undefined : r.errors.find((e) => e.path === "webhooks.endpoints.0.path");
      assert.match(problem?.message ?? "", /is reserved .*served by the core: pick another path/, path);
    }
    for (const path of ["/jobsfeed", "/hook/jobs", "/asset"]) {
      const r = loadConfig(writeConfig(base([`    - { path: ${path}, plugin: a, secret: s }`])), {});
      const problem = r.ok ? undefined : r.errors.find((e) => e.path === "webhooks.endpoints.0.path");
      assert.equal(problem, undefined, `${path}: ${problem?.message}`);
    }
  });

  it("has a dashboard.enabled switch, on by default, strictly boolean", () => {
    const on = loadConfig(writeConfig(yaml("plugins_dir: ./p")), {});
    assert.ok(on.ok);
    assert.equal(on.config.dashboard.enabled, true);
    const off = loadConfig(writeConfig(yaml("plugins_dir: ./p", "dashboard: { enabled: false }")), {});
    assert.ok(off.ok);
    assert.equal(off.config.dashboard.enabled, false);
    const bad = loadConfig(writeConfig(yaml("plugins_dir: ./p", "dashboard: { enabled: no, port: 1 }")), {});
    assert.equal(bad.ok, false);
    const paths = bad.ok ? [] : bad.errors.map((e) => e.path);
    assert.ok(paths.includes("dashboard.enabled"), String(paths));
    assert.ok(
      paths.some((p) => p.startsWith("dashboard")),
      String(paths),
    );
  });
});
