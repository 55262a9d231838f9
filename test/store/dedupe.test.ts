import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { claim, DAY, enqueue, failed, finishAttempt, fixture, ok, TTL } from "./helpers.js";

const keyed = (plugin: string, key: string, command = "poll") => ({
  plugin,
  command,
  payload: {},
  submittedBy: "webhook" as const,
  dedupeKey: key,
  maxAttempts: 4,
});

describe("dedupe (SPEC §6.6)", () => {
  it("a key that succeeded within the TTL blocks a new job, and the hit is counted", () => {
    const f = fixture();
    const first = enqueue(f.store, "a", { dedupeKey: "k" });
    finishAttempt(f, claim(f), ok());
    f.clock.advance(DAY);
    const hit = { duplicateOf: first.id, duplicateStatus: "succeeded" };
    assert.deepEqual(f.store.enqueueJob(keyed("a", "k"), TTL), hit);
    assert.deepEqual(f.store.enqueueJob(keyed("a", "k"), TTL), hit);
    assert.equal(f.store.dedupeHits("a"), 2);
    assert.deepEqual(f.store.allDedupeHits(), { a: 2 });
    assert.equal(f.store.listQueue().length, 0);
  });

  it("after the TTL the same key enqueues again", () => {
    const f = fixture();
    enqueue(f.store, "a", { dedupeKey: "k" });
    finishAttempt(f, claim(f), ok());
    f.clock.advance(DAY + 1);
    assert.ok("job" in f.store.enqueueJob(keyed("a", "k"), TTL));
    assert.equal(f.store.dedupeHits("a"), 0);
  });

  it("a key held by a queued or running job is a hit, reported with that job; dead does not block", () => {
    const f = fixture();
    const first = enqueue(f.store, "a", { dedupeKey: "k" });
    assert.deepEqual(f.store.enqueueJob(keyed("a", "k"), TTL), {
      duplicateOf: first.id,
      duplicateStatus: "queued",
    });
    const running = claim(f);
    assert.deepEqual(f.store.enqueueJob(keyed("a", "k"), TTL), {
      duplicateOf: first.id,
      duplicateStatus: "running",
    });
    // Failed, waiting for its retry: still queued, its outcome still to come.
    finishAttempt(f, running, failed("flaky"));
    assert.equal(f.store.getJob(first.id)?.status, "queued");
    assert.deepEqual(f.store.enqueueJob(keyed("a", "k"), TTL), {
      duplicateOf: first.id,
      duplicateStatus: "queued",
    });
    assert.equal(f.store.dedupeHits("a"), 3);
    assert.equal(f.store.listQueue().length, 1, "nothing new was enqueued");
    // Dead: the key is free again.
    f.clock.advance(DAY);
    finishAttempt(f, claim(f), failed("broken", false));
    assert.equal(f.store.getJob(first.id)?.status, "dead");
    const again = f.store.enqueueJob(keyed("a", "k"), TTL);
    assert.ok("job" in again, "dead does not block");
    assert.equal(f.store.dedupeHits("a"), 3);
  });

  it("a success within the TTL is reported before a queued job; an expired one is not", () => {
    const f = fixture();
    // A queued job beside a success with the same key: `jobs retry` of an older dead job (an
    // operator's explicit retry is not deduped).
    const deadJob = enqueue(f.store, "a", { dedupeKey: "k" });
    finishAttempt(f, claim(f), failed("broken", false));
    const done = enqueue(f.store, "a", { dedupeKey: "k" });
    finishAttempt(f, claim(f), ok());
    const retried = f.store.retryDeadJob(deadJob.id);
    assert.deepEqual(f.store.enqueueJob(keyed("a", "k"), TTL), {
      duplicateOf: done.id,
      duplicateStatus: "succeeded",
    });
    f.clock.advance(DAY + 1);
    assert.deepEqual(f.store.enqueueJob(keyed("a", "k"), TTL), {
      duplicateOf: retried.id,
      duplicateStatus: "queued",
    });
    finishAttempt(f, claim(f), failed("still broken", false));
    assert.ok("job" in f.store.enqueueJob(keyed("a", "k"), TTL), "expired success, nothing outstanding");
  });

  it("a queued key is scoped to plugin AND command too", () => {
    const f = fixture();
    enqueue(f.store, "a", { dedupeKey: "k" });
    assert.ok("job" in f.store.enqueueJob(keyed("a", "k", "handle"), TTL));
    assert.ok("job" in f.store.enqueueJob(keyed("b", "k"), TTL));
  });

  it("a routed job whose key is held by a queued job is a hit; one event per key within a response", () => {
    const f = fixture();
    const routes = [{ from: "a", event_type: "e", to: "b" }];
    const waiting = f.store.enqueueJob(keyed("b", "k", "handle"), TTL);
    assert.ok("job" in waiting);
    enqueue(f.store, "a");
    // The keyed handle job of b is older, so it is claimed first: run the emitter explicitly.
    const emitter = f.store.claimNextReadyJob(f.clock.now(), { excludePlugins: new Set(["b"]) });
    assert.ok(emitter);
    const r = finishAttempt(
      f,
      emitter,
      ok({
        events: [
          { type: "e", dedupe_key: "k" },
          { type: "e", dedupe_key: "fresh" },
          { type: "e", dedupe_key: "fresh" },
        ],
      }),
      { routes },
    );
    assert.equal(r.newJobIds.length, 1, "only the first 'fresh' event became a job");
    assert.deepEqual(
      r.dedupeHits.map((h) => [h.dedupe_key, h.duplicate_of, h.duplicate_status]),
      [
        ["k", waiting.job.id, "queued"],
        ["fresh", r.newJobIds[0], "queued"],
      ],
    );
  });

  it("is scoped to plugin AND command", () => {
    const f = fixture();
    enqueue(f.store, "a", { dedupeKey: "k" });
    finishAttempt(f, claim(f), ok());
    assert.ok("job" in f.store.enqueueJob(keyed("a", "k", "handle"), TTL));
    assert.ok("job" in f.store.enqueueJob(keyed("b", "k"), TTL));
    assert.ok("duplicateOf" in f.store.enqueueJob(keyed("a", "k"), TTL));
  });

  it("one keyed event routed to two plugins creates two jobs", () => {
    const f = fixture();
    const emitter = enqueue(f.store, "a");
    const routes = [
      { from: "a", event_type: "e", to: "b" },
      { from: "a", event_type: "e", to: "c" },
    ];
    const r = finishAttempt(f, claim(f), ok({ events: [{ type: "e", dedupe_key: "k" }] }), { routes });
    assert.equal(r.newJobIds.length, 2);
    const jobs = r.newJobIds.map((id) => f.store.getJob(id));
    assert.deepEqual(
      jobs.map((j) => [j?.plugin, j?.command, j?.dedupe_key, j?.parent_job_id]),
      [
        ["b", "handle", "k", emitter.id],
        ["c", "handle", "k", emitter.id],
      ],
    );
  });

  it("a routed job whose key already succeeded is recorded as a dedupe hit, not created", () => {
    const f = fixture();
    const routes = [
      { from: "a", event_type: "e", to: "b" },
      { from: "a", event_type: "e", to: "c" },
    ];
    const done = f.store.enqueueJob(keyed("b", "k", "handle"), TTL);
    assert.ok("job" in done);
    finishAttempt(f, claim(f), ok());
    const emitter = enqueue(f.store, "a");
    const r = finishAttempt(f, claim(f), ok({ events: [{ type: "e", dedupe_key: "k" }] }), { routes });
    assert.equal(r.newJobIds.length, 1);
    assert.equal(r.dedupeHits.length, 1);
    assert.deepEqual(
      { ...r.dedupeHits[0], event_id: "" },
      {
        event_id: "",
        plugin: "b",
        command: "handle",
        dedupe_key: "k",
        duplicate_of: done.job.id,
        duplicate_status: "succeeded",
      },
    );
    const ev = f.store.jobDetail(emitter.id)?.events[0];
    assert.deepEqual(ev?.routed_to, r.newJobIds);
    assert.equal(ev?.dropped, null);
    assert.deepEqual(ev?.routes, [
      { to: "b", job_id: null, duplicate_of: done.job.id, dropped: null },
      { to: "c", job_id: r.newJobIds[0], duplicate_of: null, dropped: null },
    ]);
    assert.equal(f.store.dedupeHits("b"), 1);
  });
});

describe("enqueueJobs: one transaction for a batch (the webhook group commit)", () => {
  it("two inputs with one key in a batch give one job and a hit on it, in input order", () => {
    const f = fixture();
    const results = f.store.enqueueJobs([keyed("a", "k"), keyed("a", "other"), keyed("a", "k")], TTL);
    assert.equal(results.length, 3);
    const [first, second, third] = results;
    assert.ok(first && "job" in first && second && "job" in second);
    assert.deepEqual(third, { duplicateOf: first.job.id, duplicateStatus: "queued" });
    assert.deepEqual(
      f.store.listQueue().map((j) => j.id),
      [first.job.id, second.job.id],
    );
    assert.equal(f.store.dedupeHits("a"), 1);
  });

  it("a key already held outside the batch is a hit inside it", () => {
    const f = fixture();
    const held = enqueue(f.store, "a", { dedupeKey: "k", command: "poll" });
    const [r] = f.store.enqueueJobs([keyed("a", "k")], TTL);
    assert.deepEqual(r, { duplicateOf: held.id, duplicateStatus: "queued" });
  });

  it("a failure anywhere in the batch queues none of it", () => {
    const f = fixture();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    assert.throws(() =>
      f.store.enqueueJobs([keyed("a", "x"), { ...keyed("a", "y"), payload: circular }], TTL),
    );
    assert.equal(f.store.listQueue().length, 0);
    // A refusal from SQLite inside the transaction rolls back the inserts before it.
    const side = new Database(join(f.dir, "postern.db"));
    side.exec(
      "CREATE TRIGGER refuse_y BEFORE INSERT ON jobs WHEN NEW.dedupe_key = 'y' BEGIN SELECT RAISE(ABORT, 'refused'); END",
    );
    side.close();
    assert.throws(() => f.store.enqueueJobs([keyed("a", "x"), keyed("a", "y")], TTL), {
      code: "SQLITE_CONSTRAINT_TRIGGER",
    });
    assert.equal(f.store.listQueue().length, 0);
  });
});
