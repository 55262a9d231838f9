import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AlertSettings } from "../../src/core/system-events.js";
import type { ClaimedJob, Store } from "../../src/store/index.js";
import { enqueue, type Fixture, failed, finishAttempt, fixture, idGen, ok } from "./helpers.js";

/** The next job of anything but notify (whose routed jobs queue up behind). */
function claim(f: Fixture, excludePlugins = ["notify"]): ClaimedJob {
  const job = f.store.claimNextReadyJob(f.clock.now(), { excludePlugins });
  if (job === null) throw new Error("expected a ready job");
  return job;
}

const MIN = 60_000;
const INTERVAL = 15 * MIN;
const NOTIFY_ROUTES = [
  { from: "postern", event_type: "postern.job.dead", to: "notify" },
  { from: "postern", event_type: "postern.circuit.opened", to: "notify" },
  { from: "postern", event_type: "postern.circuit.closed", to: "notify" },
];

function settings(routes = NOTIFY_ROUTES): AlertSettings {
  return {
    routes,
    enabledPlugins: new Set(["a", "notify"]),
    maxAttemptsFor: () => 4,
    maxRouteDepth: 8,
    newId: idGen(),
    minIntervalMs: INTERVAL,
  };
}

/** One attempt of `job` with `outcome`, committed with system events on (threshold 3). */
function commit(f: Fixture, job: ClaimedJob, outcome: ReturnType<typeof ok>, alerts = settings()) {
  return finishAttempt(f, job, outcome, {
    routes: alerts.routes,
    enabled: [...alerts.enabledPlugins],
    backoffBaseMs: 1000,
    breakerThreshold: 3,
    alerts,
  });
}

function notifyJobs(store: Store) {
  return store.listJobs({ plugin: "notify", limit: 100_000 });
}

/** A job of plugin `a` that fails once, not retryable: it goes dead. */
function dieOnce(f: Fixture, plugin = "a", alerts = settings()) {
  enqueue(f.store, plugin, { maxAttempts: 1 });
  return commit(f, claim(f, plugin === "notify" ? [] : ["notify"]), failed("exit code 1", false), alerts);
}

describe("system events commit with their cause (SPEC §16, §6.5)", () => {
  it("a job going dead raises postern.job.dead and its routed notify job in the same commit", () => {
    const f = fixture();
    const enqueued = enqueue(f.store, "a", { maxAttempts: 1 });
    const job = claim(f);
    const r = commit(f, job, failed("exit code 1", false));
    assert.equal(r.status, "dead");
    assert.equal(r.alerts.sent.length, 1);
    const [ev] = f.store.systemEvents("a", 10);
    assert.equal(ev?.type, "postern.job.dead");
    assert.deepEqual(ev?.payload.job_ids, [enqueued.id]);
    assert.equal(ev?.payload.count, 1);
    assert.equal(ev?.payload.reason, "exit code 1; not retryable");
    assert.equal(ev?.cause_job_id, enqueued.id);
    const [n] = notifyJobs(f.store);
    assert.equal(n?.command, "handle");
    const detail = f.store.jobDetail(n?.id ?? "");
    assert.equal(detail?.parent_job_id, enqueued.id);
    assert.equal((detail?.payload as { source: string } | undefined)?.source, "postern");
  });

  it("a failure that does not kill the job raises nothing", () => {
    const f = fixture();
    enqueue(f.store, "a", { maxAttempts: 3 });
    const r = commit(f, claim(f), failed("exit code 1", true));
    assert.equal(r.status, "queued");
    assert.deepEqual(f.store.systemEvents(null, 10), []);
  });

  it("a commit that fails raises nothing: no alert for a change that did not happen", () => {
    const f = fixture();
    enqueue(f.store, "a", { maxAttempts: 1 });
    const job = claim(f);
    f.store.requeueWithoutAttempt(job.id);
    assert.throws(() => commit(f, job, failed("exit code 1", false)));
    assert.deepEqual(f.store.systemEvents(null, 10), []);
    assert.deepEqual(notifyJobs(f.store), []);
  });

  it("the circuit opening and closing each raise one event in the attempt's commit", () => {
    const f = fixture();
    for (let i = 0; i < 3; i++) {
      const r = dieOnce(f);
      if (i < 2) assert.equal(r.breaker, null);
      else assert.equal(r.breaker?.to, "open");
    }
    f.clock.advance(INTERVAL);
    enqueue(f.store, "a");
    const closed = commit(f, claim(f), ok());
    assert.equal(closed.breaker?.to, "closed");
    const circuit = f.store
      .systemEvents("a", 10)
      .filter((e) => e.type.startsWith("postern.circuit."))
      .reverse();
    assert.deepEqual(
      circuit.map((e) => [e.type, e.payload.reason]),
      [
        ["postern.circuit.opened", "3 consecutive failures"],
        ["postern.circuit.closed", "an attempt succeeded"],
      ],
    );
    // One dead-job event (the other two deaths are pending), two circuit events.
    assert.equal(notifyJobs(f.store).length, 3);
  });

  it("a plugin that handles system events causes none about itself (no loops)", () => {
    const f = fixture();
    const r = dieOnce(f, "notify");
    assert.equal(r.status, "dead");
    assert.equal(r.alerts.sent.length, 0);
    assert.equal(r.alerts.suppressed.length, 1);
    assert.equal(r.alerts.suppressed[0]?.plugin, "notify");
    assert.deepEqual(f.store.systemEvents(null, 10), []);
  });

  it("without a from: postern route, the event is still recorded (for why) and routes nowhere", () => {
    const f = fixture();
    const r = dieOnce(f, "a", settings([]));
    assert.equal(r.alerts.sent.length, 1);
    assert.deepEqual(r.alerts.sent[0]?.routes, []);
    assert.equal(f.store.systemEvents("a", 10).length, 1);
    assert.deepEqual(notifyJobs(f.store), []);
  });

  it("coalesces: one event at once, the rest flushed once the interval has passed, then quiet", () => {
    const f = fixture();
    const alerts = settings();
    dieOnce(f, "a", alerts);
    for (let i = 0; i < 4; i++) {
      f.clock.advance(MIN);
      const sent = dieOnce(f, "a", alerts).alerts.sent.map((e) => e.type);
      assert.ok(!sent.includes("postern.job.dead"), "counted, not sent");
    }
    const early = f.store.flushAlerts(f.clock.now(), alerts).sent;
    assert.deepEqual(
      early.map((e) => [e.type, e.payload.first_at]),
      [],
      "not before the interval",
    );
    f.clock.advance(INTERVAL - 4 * MIN);
    const flushed = f.store.flushAlerts(f.clock.now(), alerts).sent;
    assert.equal(flushed.length, 1);
    assert.equal(flushed[0]?.payload.count, 4);
    assert.equal(flushed[0]?.payload.job_ids.length, 4);
    assert.equal(f.store.flushAlerts(f.clock.now() + INTERVAL, alerts).sent.length, 0);
    // job.dead twice (at once, then the flush) and circuit.opened once.
    assert.equal(notifyJobs(f.store).length, 3);
  });

  it("10,000 jobs dead within a minute: one event at once and one flush carrying the count", () => {
    const f = fixture();
    const alerts = settings();
    const N = 10_000;
    const t0 = f.clock.now();
    const occurrences = Array.from({ length: N }, (_, i) => ({
      type: "postern.job.dead" as const,
      plugin: "a",
      command: "poll",
      at: t0 + Math.floor((i * 59_000) / N), // spread over 59 s
      job: { id: `dead-${i}`, route_depth: 0 },
      reason: "exit code 1; not retryable",
    }));
    const started = performance.now();
    const raised = f.store.raiseSystemEvents(occurrences, alerts);
    const raiseMs = performance.now() - started;
    f.clock.advance(INTERVAL);
    const flushed = f.store.flushAlerts(f.clock.now(), alerts).sent;
    const events = f.store.systemEvents("a", 100);
    console.log(
      `10,000 dead jobs: ${events.length} postern.job.dead events, ${notifyJobs(f.store).length} notify jobs; ` +
        `coalescing them took ${Math.round(raiseMs)} ms (${((raiseMs * 1000) / N).toFixed(0)} µs each, one transaction)`,
    );
    assert.equal(raised.sent.length, 1);
    assert.equal(flushed.length, 1);
    assert.equal(flushed[0]?.payload.count, N - 1);
    assert.deepEqual(
      flushed[0]?.payload.job_ids,
      occurrences.slice(1, 21).map((o) => o.job.id),
    );
    assert.equal(events.length, 2);
    // Every dead job is accounted for by the events (within the coalescing rule).
    assert.equal(
      events.reduce((n, e) => n + e.payload.count, 0),
      N,
    );
    assert.equal(notifyJobs(f.store).length, 2);
  });

  it("the scheduler's breaker step raises circuit events in its own transaction", () => {
    const f = fixture();
    const alerts = settings();
    // Crash recovery counted failures without a threshold: the tick opens the circuit.
    for (let i = 0; i < 3; i++) {
      enqueue(f.store, "a", { maxAttempts: 1 });
      finishAttempt(f, claim(f), failed("x", false), { backoffBaseMs: 1, enabled: [] });
    }
    const t = f.store.stepBreaker(
      "a",
      "poll",
      { type: "tick", at: f.clock.now(), threshold: 3, resetAfterMs: MIN },
      alerts,
    );
    assert.equal(t?.to, "open");
    const [ev] = f.store.systemEvents("a", 10);
    assert.equal(ev?.type, "postern.circuit.opened");
    assert.equal(ev?.cause_job_id, null);
    assert.equal(notifyJobs(f.store).length, 1);
  });
});

describe("postern reset closes circuits with an event (SPEC §16)", () => {
  it("raises postern.circuit.closed for each open circuit it closes, none for a closed one", () => {
    const f = fixture();
    for (let i = 0; i < 3; i++) dieOnce(f);
    const closed = f.store.closeCircuits("a", undefined, settings());
    assert.deepEqual(
      closed.map((b) => b.state),
      ["open"],
    );
    const [ev] = f.store.systemEvents("a", 10);
    assert.equal(ev?.type, "postern.circuit.closed");
    assert.equal(ev?.payload.reason, "postern reset");
    assert.equal(f.store.closeCircuits("a", undefined, settings()).length, 0);
    assert.equal(f.store.systemEvents("a", 10).filter((e) => e.type === "postern.circuit.closed").length, 1);
  });
});
