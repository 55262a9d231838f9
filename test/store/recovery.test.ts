import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RESTART_ERROR } from "../../src/store/index.js";
import { claim, enqueue, fixture } from "./helpers.js";

describe("recoverOrphans (SPEC §11)", () => {
  it("kills a group that is still the same process, then consumes the attempt", () => {
    const f = fixture();
    const job = enqueue(f.store, "a");
    claim(f);
    f.store.recordSpawn(job.id, 4242, "1000");
    f.clock.advance(7000);
    const checked: [number, string][] = [];
    const killed: number[] = [];
    const recovered = f.store.recoverOrphans(
      f.clock.now(),
      (pgid, start) => {
        checked.push([pgid, start]);
        return true;
      },
      (pgid) => killed.push(pgid),
    );
    assert.deepEqual(checked, [[4242, "1000"]]);
    assert.deepEqual(killed, [4242]);
    assert.deepEqual(recovered, [
      { id: job.id, plugin: "a", command: "poll", attempt: 1, killed: true, status: "queued" },
    ]);
    const d = f.store.jobDetail(job.id);
    assert.equal(d?.status, "queued");
    assert.equal(d?.attempt, 2);
    assert.equal(d?.last_error, RESTART_ERROR);
    assert.equal(d?.next_retry_at, null, "it runs again at once");
    assert.deepEqual(
      d?.attempts.map((a) => [a.attempt, a.status, a.error, a.retryable, a.duration_ms, a.started_at]),
      [[1, "failed", RESTART_ERROR, true, 7000, "2026-01-01T00:00:00.000Z"]],
    );
    assert.equal(f.store.breakers("a")[0]?.failures, 1);
    assert.equal(claim(f).id, job.id);
  });

  it("does not kill a recycled pid (start time differs) or an unidentifiable one", () => {
    const f = fixture();
    const recycled = enqueue(f.store, "a");
    const unknown = enqueue(f.store, "b");
    const neverSpawned = enqueue(f.store, "c");
    for (let i = 0; i < 3; i++) claim(f);
    f.store.recordSpawn(recycled.id, 100, "old-start");
    f.store.recordSpawn(unknown.id, 200, null);
    const asked: number[] = [];
    const killed: number[] = [];
    const recovered = f.store.recoverOrphans(
      f.clock.now(),
      (pgid) => {
        asked.push(pgid);
        return false;
      },
      (pgid) => killed.push(pgid),
    );
    assert.deepEqual(asked, [100]);
    assert.deepEqual(killed, []);
    assert.deepEqual(
      recovered.map((r) => [r.id, r.killed, r.status]),
      [
        [recycled.id, false, "queued"],
        [unknown.id, false, "queued"],
        [neverSpawned.id, false, "queued"],
      ],
    );
  });

  it("a job lost on its last attempt is dead, so a job that crashes the core cannot loop", () => {
    const f = fixture();
    const job = enqueue(f.store, "a", { maxAttempts: 2 });
    for (let crash = 1; crash <= 2; crash++) {
      claim(f);
      f.store.recoverOrphans(
        f.clock.now(),
        () => false,
        () => {},
      );
    }
    const d = f.store.jobDetail(job.id);
    assert.equal(d?.status, "dead");
    assert.equal(d?.attempt, 2);
    assert.equal(d?.completed_at, "2026-01-01T00:00:00.000Z");
    assert.equal(d?.attempts.length, 2);
    assert.equal(f.store.claimNextReadyJob(f.clock.now()), null);
    assert.deepEqual(
      f.store.recoverOrphans(
        f.clock.now(),
        () => true,
        () => assert.fail("nothing to kill"),
      ),
      [],
    );
  });
});
