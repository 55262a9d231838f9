import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sequenceRandom } from "../../src/core/clock.js";
import { planCompletion } from "../../src/core/completion.js";
import { PosternError } from "../../src/core/errors.js";
import type { Store } from "../../src/store/index.js";
import { runRecord } from "../helpers/attempts.js";
import { ATTEMPT_KEYS } from "../helpers/shapes.js";
import { claim, enqueue, type Fixture, failed, finishAttempt, fixture, idGen, ok, TTL } from "./helpers.js";

/** Everything a commit could touch, to prove a failed one touched nothing. */
function snapshot(store: Store) {
  const jobs = store.listJobs({ limit: 1000 });
  return {
    jobs,
    details: jobs.map((j) => store.jobDetail(j.id)),
    state: store.getState("a"),
    breakers: store.breakers(),
    hits: store.allDedupeHits(),
  };
}

const code = (c: string) => (e: unknown) => e instanceof PosternError && e.code === c;

function bigResponse() {
  return ok({ state_updates: { cursor: "new" }, events: [{ type: "e", dedupe_key: "k" }] });
}

function planFor(f: Fixture, job: ReturnType<typeof claim>, newId = idGen()) {
  return planCompletion({
    job: { ...job, route_depth: job.internal.route_depth },
    outcome: bigResponse(),
    run: runRecord(f.clock.now(), { durationMs: 1 }),
    state: f.store.getState(job.plugin),
    routes: [{ from: "a", event_type: "e", to: "b" }],
    enabledPlugins: new Set(["b"]),
    maxAttemptsFor: () => 4,
    maxRouteDepth: 8,
    backoffBaseMs: 1000,
    random: sequenceRandom([0]),
    nowMs: f.clock.now(),
    newId,
  });
}

describe("commitAttempt is atomic (SPEC §6.5)", () => {
  it("refuses a result for a job that is no longer running, and changes nothing", () => {
    const f = fixture();
    f.store.setState("a", { cursor: "old" });
    enqueue(f.store, "a");
    const job = claim(f);
    f.store.requeueWithoutAttempt(job.id); // as if shutdown or recovery took it meanwhile
    const before = snapshot(f.store);
    assert.throws(() => f.store.commitAttempt(job, planFor(f, job), TTL), code("job_not_running"));
    assert.deepEqual(snapshot(f.store), before);
  });

  it("rolls back everything when a write fails midway", () => {
    const f = fixture();
    f.store.setState("a", { cursor: "old" });
    const existing = enqueue(f.store, "z");
    enqueue(f.store, "a");
    f.store.cancelJob(existing.id);
    const job = claim(f);
    // The new job's id collides with an existing row: the insert fails after the job row,
    // the attempt and the state were already written in this transaction.
    const ids = ["ev-1", existing.id];
    const plan = planFor(f, job, () => ids.shift() ?? "x");
    const before = snapshot(f.store);
    assert.throws(() => f.store.commitAttempt(job, plan, TTL), /UNIQUE/);
    assert.deepEqual(snapshot(f.store), before);
    assert.equal(f.store.getJob(job.id)?.status, "running");
    assert.deepEqual(f.store.getState("a"), { cursor: "old" });
    // The same attempt can still be committed once the problem is gone.
    f.store.commitAttempt(job, planFor(f, job), TTL);
    assert.equal(f.store.getJob(job.id)?.status, "succeeded");
    assert.deepEqual(f.store.getState("a"), { cursor: "new" });
  });

  it("refuses a plan made for another job", () => {
    const f = fixture();
    enqueue(f.store, "a");
    enqueue(f.store, "a");
    const one = claim(f);
    const two = claim(f);
    assert.throws(() => f.store.commitAttempt(two, planFor(f, one), TTL), code("plan_mismatch"));
  });
});

describe("state through attempts (SPEC §7)", () => {
  it("merges shallowly by default and replaces with state_replace", () => {
    const f = fixture();
    f.store.setState("a", { a: 1, nested: { x: 1 } });
    enqueue(f.store, "a");
    finishAttempt(f, claim(f), ok({ state_updates: { nested: { y: 2 }, b: null } }));
    assert.deepEqual(f.store.getState("a"), { a: 1, nested: { y: 2 }, b: null });
    enqueue(f.store, "a");
    finishAttempt(f, claim(f), ok({ state_updates: { only: true }, state_replace: true }));
    assert.deepEqual(f.store.getState("a"), { only: true });
  });

  it("an oversize state fails the attempt (retryable) and applies nothing from the response", () => {
    const f = fixture();
    f.store.setState("a", { keep: 1 });
    const job = enqueue(f.store, "a");
    const r = finishAttempt(
      f,
      claim(f),
      ok({ state_updates: { big: "é".repeat(600_000) }, events: [{ type: "e" }] }),
      { routes: [{ from: "a", event_type: "e", to: "b" }] },
    );
    assert.equal(r.status, "queued");
    assert.deepEqual(r.newJobIds, []);
    const detail = f.store.jobDetail(job.id);
    assert.equal(detail?.attempt, 2);
    assert.equal(detail?.attempts[0]?.status, "failed");
    assert.equal(detail?.attempts[0]?.retryable, true);
    assert.match(detail?.attempts[0]?.error ?? "", /over the 1048576-byte limit/);
    assert.deepEqual(detail?.events, []);
    assert.deepEqual(f.store.getState("a"), { keep: 1 });
    assert.equal(f.store.listQueue().length, 1);
  });

  it("stores __proto__ and constructor as ordinary keys", () => {
    const f = fixture();
    enqueue(f.store, "a");
    const updates = JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":1}}');
    finishAttempt(f, claim(f), ok({ state_updates: updates }));
    const state = f.store.getState("a");
    assert.deepEqual(Object.keys(state), ["__proto__", "constructor"]);
    assert.deepEqual(Object.getOwnPropertyDescriptor(state, "__proto__")?.value, { polluted: true });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it("setState replaces the whole state and enforces the 1 MB limit", () => {
    const f = fixture();
    f.store.setState("a", { x: 1 });
    f.store.setState("a", { y: 2 });
    assert.deepEqual(f.store.getState("a"), { y: 2 });
    assert.throws(() => f.store.setState("a", { big: "x".repeat(1024 * 1024) }), code("state_too_large"));
    assert.throws(() => f.store.setState("a", [1]), code("bad_state"));
    assert.deepEqual(f.store.getState("a"), { y: 2 });
    assert.deepEqual(f.store.getState("never"), {});
  });
});

describe("events and routing through the store (SPEC §8)", () => {
  it("fans out in config order; the new jobs run in that order", () => {
    const f = fixture();
    const routes = [
      { from: "a", event_type: "e", to: "c" },
      { from: "a", event_type: "e", to: "b" },
      { from: "a", event_type: "f", to: "b" },
    ];
    const emitter = enqueue(f.store, "a");
    const r = finishAttempt(
      f,
      claim(f),
      ok({
        events: [
          { type: "e", payload: 1 },
          { type: "f", payload: 2 },
        ],
      }),
      {
        routes,
      },
    );
    const order = [claim(f), claim(f), claim(f)];
    assert.deepEqual(
      order.map((j) => j.id),
      r.newJobIds,
    );
    assert.deepEqual(
      order.map((j) => [j.plugin, (j.payload as { type: string }).type]),
      [
        ["c", "e"],
        ["b", "e"],
        ["b", "f"],
      ],
    );
    const events = f.store.jobDetail(emitter.id)?.events ?? [];
    assert.deepEqual(
      order.map((j) => [j.submitted_by, j.parent_job_id, j.source_event_id]),
      [
        ["route", emitter.id, events[0]?.event_id],
        ["route", emitter.id, events[0]?.event_id],
        ["route", emitter.id, events[1]?.event_id],
      ],
    );
    assert.deepEqual(order[0]?.payload, {
      event_id: events[0]?.event_id,
      type: "e",
      payload: 1,
      source: "a",
      timestamp: "2026-01-01T00:00:00.000Z",
      dedupe_key: null,
    });
  });

  it("drops a route to a disabled plugin with its reason, and records unrouted events", () => {
    const f = fixture();
    const emitter = enqueue(f.store, "a");
    finishAttempt(f, claim(f), ok({ events: [{ type: "e" }, { type: "nobody" }] }), {
      routes: [{ from: "a", event_type: "e", to: "off" }],
    });
    const events = f.store.jobDetail(emitter.id)?.events ?? [];
    assert.deepEqual(
      events.map((e) => ({ type: e.type, routed_to: e.routed_to, dropped: e.dropped })),
      [
        { type: "e", routed_to: [], dropped: "route target off is disabled" },
        { type: "nobody", routed_to: [], dropped: null },
      ],
    );
    assert.equal(f.store.listQueue().length, 0);
  });

  it("stops an A→B→A loop at max_route_depth, records the drop, and shows the chain", () => {
    const f = fixture();
    const routes = [
      { from: "a", event_type: "ping", to: "b" },
      { from: "b", event_type: "ping", to: "a" },
    ];
    const root = enqueue(f.store, "a");
    let last = root.id;
    let runs = 0;
    for (
      let job = f.store.claimNextReadyJob(f.clock.now());
      job;
      job = f.store.claimNextReadyJob(f.clock.now())
    ) {
      finishAttempt(f, job, ok({ events: [{ type: "ping" }] }), { routes, maxRouteDepth: 8 });
      last = job.id;
      runs += 1;
      assert.ok(runs <= 20, "the loop must stop");
    }
    assert.equal(runs, 9, "the root plus 8 hops");
    const detail = f.store.jobDetail(last);
    assert.equal(detail?.events[0]?.dropped, "max_route_depth 8 exceeded");
    assert.deepEqual(detail?.events[0]?.routed_to, []);
    assert.equal(detail?.parent_chain.length, 8);
    assert.equal(detail?.parent_chain.at(-1)?.id, root.id);
    assert.equal(detail?.parent_chain[0]?.id, detail?.parent_job_id);
    // And forward: the root's event became the first hop.
    const rootDetail = f.store.jobDetail(root.id);
    assert.deepEqual(rootDetail?.events[0]?.routed_to, [detail?.parent_chain.at(-2)?.id]);
    assert.deepEqual(rootDetail?.parent_chain, []);
  });

  it("jobDetail has the §13.1 attempt and event shapes", () => {
    const f = fixture();
    const job = enqueue(f.store, "a");
    finishAttempt(f, claim(f), failed("exit code 3"));
    f.clock.advance(30_000);
    finishAttempt(
      f,
      claim(f),
      ok({ events: [{ type: "e", dedupe_key: "k" }], logs: [{ level: "warn", message: "w" }] }),
      {
        routes: [{ from: "a", event_type: "e", to: "b" }],
      },
    );
    const d = f.store.jobDetail(job.id);
    assert.deepEqual(Object.keys(d?.attempts[0] ?? {}), ATTEMPT_KEYS);
    assert.deepEqual(
      d?.attempts.map((a) => [a.attempt, a.status, a.error, a.retryable, a.logs]),
      [
        [1, "failed", "exit code 3", true, []],
        [2, "succeeded", null, null, [{ level: "warn", message: "w" }]],
      ],
    );
    const ev = d?.events[0];
    assert.deepEqual(
      { event_id: ev?.event_id, type: ev?.type, dedupe_key: ev?.dedupe_key, dropped: ev?.dropped },
      { event_id: ev?.event_id, type: "e", dedupe_key: "k", dropped: null },
    );
    assert.equal(ev?.routed_to.length, 1);
    assert.equal(f.store.getJob(ev?.routed_to[0] ?? "")?.source_event_id, ev?.event_id);
    assert.equal(f.store.jobDetail("nope"), null);
  });
});

describe("breaker counters (SPEC §9)", () => {
  it("counts consecutive failures per (plugin, command) and resets on success", () => {
    const f = fixture();
    const counts = () => f.store.breakers().map((b) => [b.plugin, b.command, b.failures, b.state]);
    enqueue(f.store, "a", { maxAttempts: 1 });
    enqueue(f.store, "a", { maxAttempts: 1 });
    enqueue(f.store, "a", { command: "handle", maxAttempts: 1 });
    finishAttempt(f, claim(f), failed("x"));
    finishAttempt(f, claim(f), failed("x"));
    finishAttempt(f, claim(f), ok());
    assert.deepEqual(counts(), [
      ["a", "handle", 0, "closed"],
      ["a", "poll", 2, "closed"],
    ]);
    enqueue(f.store, "a");
    finishAttempt(f, claim(f), ok());
    assert.deepEqual(counts()[1], ["a", "poll", 0, "closed"]);
    enqueue(f.store, "a", { maxAttempts: 1 });
    finishAttempt(f, claim(f), failed("x"));
    assert.equal(f.store.resetBreaker("a"), 2);
    assert.deepEqual(counts()[1], ["a", "poll", 0, "closed"]);
  });
});

describe("commitAttempt with claimNext (one transaction for completion and the next claim)", () => {
  it("claims the oldest ready job, the ones this commit created included, honouring exclusions", () => {
    const f = fixture();
    enqueue(f.store, "a");
    const first = claim(f);
    const routes = [{ from: "a", event_type: "e", to: "b" }];
    const emitting = ok({ events: [{ type: "e", payload: {} }] });
    const claimNext = { nowMs: f.clock.now(), excludePlugins: [] };
    const r = finishAttempt(f, first, emitting, { routes, enabled: ["a", "b"], claimNext });
    assert.equal(r.status, "succeeded");
    assert.equal(r.newJobIds.length, 1);
    assert.equal(r.next?.id, r.newJobIds[0], "the routed job, created in this commit, is claimed");
    assert.equal(r.next?.status, "running");
    assert.equal(f.store.getJob(r.next!.id)?.status, "running");

    // Excluded plugins keep their place; nothing else ready: no claim.
    enqueue(f.store, "c");
    const r2 = finishAttempt(f, r.next!, ok(), {
      claimNext: { nowMs: f.clock.now(), excludePlugins: ["c"] },
    });
    assert.equal(r2.next, null);
    assert.equal(f.store.queueStats(f.clock.now()).queue_depth, 1);

    // Without claimNext, nothing is claimed.
    const third = claim(f);
    assert.equal(finishAttempt(f, third, ok()).next, null);
  });

  it("a refused commit claims nothing either (one transaction)", () => {
    const f = fixture();
    enqueue(f.store, "a");
    enqueue(f.store, "a");
    const job = claim(f);
    f.store.requeueWithoutAttempt(job.id);
    assert.throws(() =>
      finishAttempt(f, job, ok(), { claimNext: { nowMs: f.clock.now(), excludePlugins: [] } }),
    );
    assert.equal(f.store.queueStats(f.clock.now()).queue_depth, 2, "both still queued");
  });
});
