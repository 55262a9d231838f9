/** The heartbeat on a real store with a fake clock and fixed draws: exact, no sleeping (SPEC §9). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_TIMER_MS, sequenceRandom } from "../../src/core/clock.js";
import { circuitsView, pluginsWithOpenCircuit, scheduleView, sleepFor } from "../../src/scheduler/index.js";
import { DAY, HOUR, MIN, seeded } from "../core/schedule-helpers.js";
import { failed, harness, ok, onePlugin } from "./helpers.js";

const HOURLY = onePlugin("schedule: { every: 1h, jitter: 30m }", "retry: { max_attempts: 1 }");

describe("scheduler: plans that never move, never repeat", () => {
  it("draws the jitter once per run: ticking repeatedly never moves it", () => {
    const random = seeded(7);
    const h = harness(HOURLY, { random });
    const t0 = h.clock.now();
    h.scheduler.tick();
    const plan = h.store.schedule("p");
    assert.ok(plan);
    const due = Date.parse(plan.next_run_at);
    assert.ok(due >= t0 && due <= t0 + 30 * MIN, "first run: start + [0, jitter]");
    while (h.clock.now() + 10_000 < due) {
      h.clock.advance(10_000);
      h.scheduler.tick();
    }
    assert.deepEqual(h.store.schedule("p"), plan, "the plan is untouched by ticks");
    assert.equal(random.calls, 1);
    assert.equal(h.submitted.length, 0);
    h.clock.advance(10_000);
    h.scheduler.tick();
    h.scheduler.tick();
    assert.equal(h.submitted.length, 1, "due: enqueued once");
    assert.deepEqual(h.submitted[0], {
      plugin: "p",
      command: "poll",
      payload: null,
      submittedBy: "scheduler",
      maxAttempts: 1,
    });
  });

  it("a restart keeps the stored plan: no new draw, no repeat", () => {
    const first = harness(HOURLY, { random: sequenceRandom([0.9]) });
    first.scheduler.tick();
    const plan = first.store.schedule("p");
    const dir = first.store.file.replace(/\/postern\.db$/, "");
    first.store.close();
    const random = seeded(1);
    const second = harness(HOURLY, { random, dir, start: first.clock.now() });
    second.scheduler.tick();
    assert.deepEqual(second.store.schedule("p"), plan);
    assert.equal(random.calls, 0);
  });

  it("after a week down, the missed run happens once", () => {
    const h = harness(onePlugin("schedule: { every: 1h }", "retry: { max_attempts: 1 }"));
    h.scheduler.tick();
    h.finishNext(ok());
    h.clock.advance(7 * DAY); // the daemon was down
    for (let i = 0; i < 20; i++) {
      h.scheduler.tick();
      h.clock.advance(MIN);
    }
    assert.equal(h.submitted.length, 2, "the first run and one catch-up");
    assert.equal(h.messages(/poll enqueued for p \(missed run, 6d23h late\)$/).length, 1);
    h.finishNext(ok());
    h.scheduler.tick();
    assert.equal(h.store.schedule("p")?.next_run_at, new Date(h.clock.now() + HOUR).toISOString());
    assert.equal(h.submitted.length, 2);
  });

  it("no wander: 1,000 runs woken at their wake times keep a mean interval of `every`", () => {
    // Woken by the heartbeat (hourly) or at a planned time, whichever is first, as the timer does.
    const yaml = onePlugin("schedule: { every: 6h, jitter: 30m }", "retry: { max_attempts: 1 }");
    const h = harness(yaml.replace("tick_interval: 1m", "tick_interval: 1h"), { random: seeded(3) });
    const starts: number[] = [];
    let report = h.scheduler.tick();
    while (starts.length < 1000) {
      if (report.enqueued.length === 1) {
        starts.push(h.clock.now());
        h.finishNext(ok()); // succeeds at once
      }
      const wake = sleepFor(h.clock.now(), report.wakeAt, h.config.service.tick_interval);
      h.clock.advance(wake);
      report = h.scheduler.tick();
    }
    const gaps = starts.slice(1).map((s, i) => s - (starts[i] as number));
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    assert.ok(Math.abs(mean - 6 * HOUR) < MIN, `mean interval ${(mean / HOUR).toFixed(4)} h`);
    assert.ok(Math.min(...gaps) >= 6 * HOUR - 15 * MIN && Math.max(...gaps) <= 6 * HOUR + 15 * MIN);
  });

  it("a reload replans only the plugins whose schedule changed", () => {
    const two = (pEvery: string) =>
      [
        "service: { timezone: UTC }",
        "plugins:",
        `  p: { schedule: { every: ${pEvery}, jitter: 10m } }`,
        "  q: { schedule: { every: 2h, jitter: 10m } }",
      ].join("\n");
    const random = seeded(11);
    const h = harness(two("1h"), { random });
    h.scheduler.tick();
    const [p, q] = [h.store.schedule("p"), h.store.schedule("q")];
    h.reload(two("1h"));
    h.scheduler.tick();
    assert.deepEqual(
      [h.store.schedule("p"), h.store.schedule("q")],
      [p, q],
      "unchanged config: nothing redrawn",
    );
    h.reload(two("3h"));
    h.scheduler.tick();
    assert.notDeepEqual(h.store.schedule("p")?.config_hash, p?.config_hash);
    assert.deepEqual(h.store.schedule("q"), q);
    assert.equal(random.calls, 3);
    h.reload(
      ["service: { timezone: UTC }", "plugins:", "  q: { schedule: { every: 2h, jitter: 10m } }"].join("\n"),
    );
    h.scheduler.tick();
    assert.equal(h.store.schedule("p"), null, "a plugin no longer scheduled loses its plan");
  });

  it("a cancelled scheduled poll is not re-enqueued: the next run counts from the cancel", () => {
    const h = harness(onePlugin("schedule: { every: 1h }"));
    h.scheduler.tick();
    const id = h.store.schedule("p")?.run_job_id;
    assert.ok(id);
    h.clock.advance(MIN);
    h.store.cancelJob(id);
    h.scheduler.tick();
    assert.equal(h.submitted.length, 1);
    assert.equal(h.store.schedule("p")?.next_run_at, new Date(h.clock.now() + HOUR).toISOString());
  });
});

describe("scheduler: poll guard, windows and skips that are never invisible", () => {
  it("the poll guard holds while any poll is outstanding; the skip is logged once per run", () => {
    const h = harness(HOURLY, { random: sequenceRandom([0]) });
    h.store.enqueueJob(
      { plugin: "p", command: "poll", payload: null, submittedBy: "cli", maxAttempts: 1 },
      { dedupeTtlMs: DAY },
    );
    for (let i = 0; i < 5; i++) {
      h.scheduler.tick();
      h.clock.advance(MIN);
    }
    assert.equal(h.submitted.length, 0);
    assert.equal(h.messages(/^due poll of p not enqueued: poll guard: 1 poll outstanding$/).length, 1);
    assert.equal(h.store.schedule("p")?.skip_kind, "poll_guard");
    assert.deepEqual(h.view("p"), {
      next_run_at: null,
      next_run_reason: "poll guard: 1 poll outstanding",
    });
    h.finishNext(ok()); // the CLI poll succeeded: the next run counts from it
    h.scheduler.tick();
    assert.equal(h.submitted.length, 0);
    assert.match(h.view("p").next_run_reason, /^1h after the last success at \d\d:\d\d, jitter -15m$/);
  });

  it("a run outside the preferred window waits for it, and status says so", () => {
    const h = harness(
      onePlugin("schedule: { every: 1h, preferred_window: { start: '22:00', end: '06:00' } }"),
      {
        start: Date.UTC(2026, 1, 8, 12),
      },
    );
    h.scheduler.tick();
    assert.equal(h.submitted.length, 0);
    assert.deepEqual(h.view("p"), {
      next_run_at: "2026-02-08T22:00:00.000Z",
      next_run_reason: "next run 22:00 (window)",
    });
    h.clock.advance(10 * HOUR);
    h.scheduler.tick();
    assert.equal(h.submitted.length, 1);
  });

  it("disabled and unhealthy plugins are not scheduled, with the reason stored", () => {
    const h = harness(
      [
        "service: { timezone: UTC }",
        "plugins:",
        "  d: { enabled: false, schedule: { every: 1h } }",
        "  u: { schedule: { every: 1h } }",
      ].join("\n"),
      { scheduler: { isHealthy: (p) => p !== "u" } },
    );
    h.scheduler.tick();
    h.scheduler.tick();
    assert.equal(h.submitted.length, 0);
    assert.equal(h.store.schedule("d")?.skip_reason, "plugin disabled");
    assert.equal(h.store.schedule("u")?.skip_reason, "plugin unhealthy (init pending or failed)");
    assert.equal(h.messages(/not enqueued/).length, 2, "once each");
  });

  it("a plugin whose manifest has no poll is not scheduled", () => {
    const h = harness(HOURLY, { commands: { p: ["handle"] } });
    h.scheduler.tick();
    assert.equal(h.submitted.length, 0);
    assert.equal(h.view("p").next_run_reason, "manifest has no poll command");
  });
});

describe("scheduler: circuit breaker (SPEC §9)", () => {
  const BREAKER = onePlugin(
    "schedule: { every: 1h }",
    "retry: { max_attempts: 1 }",
    "circuit_breaker: { threshold: 3, reset_after: 30m }",
  );

  function openCircuit() {
    const h = harness(BREAKER);
    for (let i = 0; i < 3; i++) {
      h.scheduler.tick();
      h.finishNext(failed("boom"));
      h.clock.advance(1000);
    }
    return h;
  }

  it("three failing polls open the circuit; no scheduled polls while open; reruns are labelled", () => {
    const h = openCircuit();
    assert.equal(h.submitted.length, 3);
    assert.equal(
      h.messages(/poll enqueued for p \(run again: 2 polls for it ended without success\)/).length,
      1,
    );
    assert.equal(h.store.breaker("p", "poll")?.state, "open");
    for (let i = 0; i < 10; i++) {
      h.scheduler.tick();
      h.clock.advance(MIN);
    }
    assert.equal(h.submitted.length, 3);
    assert.equal(h.messages(/^due poll of p not enqueued: circuit open until/).length, 1);
    assert.match(h.view("p").next_run_reason, /^circuit open until 12:30:02$/);
  });

  it("after reset_after exactly one trial poll; its success closes the circuit", () => {
    const h = openCircuit();
    h.clock.advance(30 * MIN);
    h.scheduler.tick();
    h.scheduler.tick();
    assert.equal(h.messages(/^circuit half-open: circuit of p poll: reset_after elapsed/).length, 1);
    assert.equal(h.submitted.length, 4, "one trial");
    assert.equal(h.messages(/poll enqueued for p \(circuit half-open: trial poll\)/).length, 1);
    const { result } = h.finishNext(ok());
    assert.equal(result.breaker?.to, "closed");
    h.scheduler.tick();
    assert.equal(h.submitted.length, 4, "the next run counts from the success");
  });

  it("a failed trial re-opens it for another reset_after", () => {
    const h = openCircuit();
    h.clock.advance(30 * MIN);
    h.scheduler.tick();
    assert.equal(h.finishNext(failed("still down")).result.breaker?.reason, "the trial attempt failed");
    for (let i = 0; i < 29; i++) {
      h.clock.advance(MIN);
      h.scheduler.tick();
    }
    assert.equal(h.submitted.length, 4);
    h.clock.advance(MIN);
    h.scheduler.tick();
    assert.equal(h.submitted.length, 5, "the next trial");
  });

  it("postern reset closes it; the daemon logs it and polls at its next tick", () => {
    const h = openCircuit();
    h.scheduler.tick();
    assert.equal(h.store.closeCircuits("p").length, 1);
    h.scheduler.tick();
    assert.equal(h.messages(/^circuit closed: circuit of p poll: postern reset$/).length, 1);
    assert.equal(h.submitted.length, 4);
  });
});

describe("scheduler: timers and retention", () => {
  it("never sleeps longer than a tick or than Node's timer limit", () => {
    const now = Date.UTC(2026, 0, 1);
    assert.equal(sleepFor(now, now + 40 * DAY, MIN), MIN, "a monthly plan re-arms in tick slices");
    assert.equal(sleepFor(now, now + 5000, MIN), 5000, "wakes at the planned time");
    assert.equal(sleepFor(now, now - 5000, MIN), 1, "already due: at once");
    assert.equal(sleepFor(now, null, 60 * DAY), MAX_TIMER_MS);
    assert.equal(MAX_TIMER_MS, 2_147_483_647);
  });

  it("a clock jump past a planned run runs it once, not once per missed tick", () => {
    const h = harness(HOURLY, { random: sequenceRandom([0]) });
    h.scheduler.tick();
    h.finishNext(ok());
    h.clock.setWall(h.clock.now() + 3 * DAY); // suspend, or NTP
    h.scheduler.tick();
    h.scheduler.tick();
    assert.equal(h.submitted.length, 2);
  });

  it("each tick prunes a bounded slice of old terminal jobs", async () => {
    const h = harness(["service: { job_log_retention: 2d }", "plugins:", "  p: {}"].join("\n"), {
      scheduler: { pruneBatchSize: 100, pruneMaxBatches: 3 },
    });
    for (let i = 0; i < 450; i++) {
      h.store.enqueueJob(
        { plugin: "p", command: "poll", payload: null, submittedBy: "cli", maxAttempts: 1 },
        { dedupeTtlMs: DAY },
      );
      h.finishNext(ok());
    }
    h.clock.advance(3 * DAY);
    await h.scheduler.tickNow();
    assert.equal(h.store.listJobs({ limit: 1000 }).length, 150);
    await h.scheduler.tickNow();
    assert.equal(h.store.listJobs({ limit: 1000 }).length, 0);
    await h.scheduler.stop();
    assert.equal(h.messages(/^pruned 300 terminal jobs/).length, 1);
  });
});

describe("read models for status and /healthz (SPEC §13.1)", () => {
  it("circuits by command, with the time step applied without writing", () => {
    const h = harness(
      onePlugin(
        "schedule: { every: 1h }",
        "retry: { max_attempts: 1 }",
        "circuit_breaker: { threshold: 1, reset_after: 30m }",
      ),
    );
    h.scheduler.tick();
    h.finishNext(failed("boom"));
    const openedAt = new Date(h.clock.now()).toISOString();
    const view = () => circuitsView({ store: h.store, config: h.config, plugin: "p", nowMs: h.clock.now() });
    assert.deepEqual(view(), { poll: { state: "open", failures: 1, opened_at: openedAt } });
    assert.equal(pluginsWithOpenCircuit(h.store, h.config, h.clock.now()), 1);
    h.clock.advance(30 * MIN);
    assert.deepEqual(view(), { poll: { state: "half_open", failures: 1, opened_at: openedAt } });
    assert.equal(h.store.breaker("p", "poll")?.state, "open", "reading changed nothing");
  });

  it("scheduleView explains a plugin the daemon has not planned yet, and one without a schedule", () => {
    const h = harness(
      ["service: { timezone: UTC }", "plugins:", "  p: { schedule: { every: 1h } }", "  q: {}"].join("\n"),
    );
    const facts = { loaded: true, hasPoll: true, healthy: true };
    const view = (plugin: string) =>
      scheduleView({ store: h.store, config: h.config, plugin, facts, nowMs: h.clock.now() });
    assert.deepEqual(view("p"), {
      next_run_at: null,
      next_run_reason: "not planned yet: the daemon plans it when it starts",
    });
    assert.deepEqual(view("q"), { next_run_at: null, next_run_reason: "no schedule" });
    h.scheduler.tick();
    const id = h.store.schedule("p")?.run_job_id;
    assert.deepEqual(view("p"), { next_run_at: null, next_run_reason: `poll ${id} is queued or running` });
  });
});
