import assert from "node:assert/strict";
import { describe, it } from "node:test";
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
    assert.deepEqual(f.store.enqueueJob(keyed("a", "k"), TTL), { duplicateOf: first.id });
    assert.deepEqual(f.store.enqueueJob(keyed("a", "k"), TTL), { duplicateOf: first.id });
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

  it("a key on a queued, running or dead job does not block", () => {
    const f = fixture();
    enqueue(f.store, "a", { dedupeKey: "k" });
    assert.ok("job" in f.store.enqueueJob(keyed("a", "k"), TTL), "queued does not block");
    const running = claim(f);
    assert.ok("job" in f.store.enqueueJob(keyed("a", "k"), TTL), "running does not block");
    finishAttempt(f, running, failed("no", false));
    assert.ok("job" in f.store.enqueueJob(keyed("a", "k"), TTL), "dead does not block");
    assert.equal(f.store.dedupeHits("a"), 0);
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
      { event_id: "", plugin: "b", command: "handle", dedupe_key: "k", duplicate_of: done.job.id },
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
