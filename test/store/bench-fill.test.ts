/** The scale benchmark's bulk history (Store.fillHistoryForBenchmark): real rows, in batches. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isoUtc } from "../../src/core/clock.js";
import { enqueue, fixture } from "./helpers.js";

describe("fillHistoryForBenchmark", () => {
  it("adds succeeded jobs with one succeeded attempt each, in batches, oldest first", () => {
    const f = fixture();
    const endMs = f.clock.now();
    const r = f.store.fillHistoryForBenchmark({
      count: 1200,
      plugin: "p",
      command: "handle",
      payload: { n: 1 },
      endMs,
      batchSize: 500,
    });
    assert.deepEqual(r, { inserted: 1200, batches: 3 });

    const jobs = f.store.listJobs({ plugin: "p", limit: 5000 });
    assert.equal(jobs.length, 1200);
    assert.ok(jobs.every((j) => j.status === "succeeded" && j.attempt === 1));
    assert.equal(new Set(jobs.map((j) => j.id)).size, 1200, "ids are distinct");
    const times = jobs.map((j) => j.completed_at).sort();
    assert.equal(times[0], isoUtc(endMs - 1199 * 1000));
    assert.equal(times.at(-1), isoUtc(endMs));

    const detail = f.store.jobDetail(jobs[0]!.id);
    assert.equal(detail?.attempts.length, 1);
    assert.equal(detail?.attempts[0]?.status, "succeeded");
    assert.deepEqual(detail?.payload, { n: 1 });
  });

  it("leaves the queue as it was: history is never claimed, new work still is", () => {
    const f = fixture();
    const queued = enqueue(f.store, "q");
    f.store.fillHistoryForBenchmark({
      count: 300,
      plugin: "p",
      command: "handle",
      payload: {},
      endMs: f.clock.now(),
    });
    assert.equal(f.store.queueStats(f.clock.now()).queue_depth, 1);
    assert.equal(f.store.claimNextReadyJob(f.clock.now())?.id, queued.id);
    assert.equal(f.store.claimNextReadyJob(f.clock.now()), null);
    const later = enqueue(f.store, "q");
    assert.equal(f.store.claimNextReadyJob(f.clock.now())?.id, later.id);
  });

  it("adds nothing for a count of 0", () => {
    const f = fixture();
    const r = f.store.fillHistoryForBenchmark({
      count: 0,
      plugin: "p",
      command: "c",
      payload: null,
      endMs: 0,
    });
    assert.deepEqual(r, { inserted: 0, batches: 0 });
    assert.equal(f.store.listJobs({ limit: 10 }).length, 0);
  });
});
