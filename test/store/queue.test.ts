import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sequenceRandom } from "../../src/core/clock.js";
import { PosternError } from "../../src/core/errors.js";
import { JOB_KEYS } from "../helpers/shapes.js";
import { claim, enqueue, failed, finishAttempt, fixture, ok } from "./helpers.js";

const code = (c: string) => (e: unknown) => e instanceof PosternError && e.code === c;

describe("enqueue and claim (SPEC §6.1, §6.2)", () => {
  it("stores a job in the §6.1 shape: attempt 1, queued, UUIDv7 id, ISO timestamps", () => {
    const f = fixture();
    const job = enqueue(f.store, "a", { payload: { x: [1] }, dedupeKey: "k", submittedBy: "cli" });
    assert.deepEqual(Object.keys(job), JOB_KEYS);
    assert.match(job.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(
      { ...job, id: "" },
      {
        id: "",
        plugin: "a",
        command: "poll",
        payload: { x: [1] },
        status: "queued",
        attempt: 1,
        max_attempts: 4,
        submitted_by: "cli",
        dedupe_key: "k",
        created_at: "2026-01-01T00:00:00.000Z",
        started_at: null,
        completed_at: null,
        next_retry_at: null,
        last_error: null,
        parent_job_id: null,
        source_event_id: null,
      },
    );
  });

  it("claims in enqueue order and marks the job running with started_at", () => {
    const f = fixture();
    const ids = ["a", "b", "c"].map((p) => enqueue(f.store, p).id);
    f.clock.advance(5000);
    const first = claim(f);
    assert.equal(first.id, ids[0]);
    assert.equal(first.status, "running");
    assert.equal(first.started_at, "2026-01-01T00:00:05.000Z");
    assert.deepEqual(Object.keys(first), [...JOB_KEYS, "internal"]);
    assert.equal(first.internal.route_depth, 0);
    assert.deepEqual([claim(f).id, claim(f).id], ids.slice(1));
    assert.equal(f.store.claimNextReadyJob(f.clock.now()), null);
  });

  it("a job waiting for its retry does not block the jobs behind it", () => {
    const f = fixture();
    const first = enqueue(f.store, "a");
    const second = enqueue(f.store, "b");
    assert.equal(f.store.nextRetryAt(), null);
    finishAttempt(f, claim(f), failed("boom"), { random: sequenceRandom([0]) });
    assert.equal(f.store.getJob(first.id)?.next_retry_at, "2026-01-01T00:00:30.000Z");
    assert.equal(f.store.nextRetryAt(), Date.UTC(2026, 0, 1, 0, 0, 30));
    assert.equal(
      f.store.nextRetryAt({ excludePlugins: ["a"] }),
      null,
      "an unhealthy plugin's retry is not waited for",
    );
    assert.equal(claim(f).id, second.id);
    f.clock.advance(29_999);
    assert.equal(f.store.claimNextReadyJob(f.clock.now()), null);
    f.clock.advance(1);
    const retried = claim(f);
    assert.equal(retried.id, first.id);
    assert.equal(retried.attempt, 2);
  });

  it("a retry that is due goes before younger jobs (lowest sequence wins)", () => {
    const f = fixture();
    const first = enqueue(f.store, "a");
    finishAttempt(f, claim(f), failed("boom"));
    f.clock.advance(60_000);
    enqueue(f.store, "b");
    assert.equal(claim(f).id, first.id);
  });

  it("skips excluded (unhealthy) plugins without losing their jobs", () => {
    const f = fixture();
    const a = enqueue(f.store, "a");
    const b = enqueue(f.store, "b");
    assert.equal(f.store.claimNextReadyJob(f.clock.now(), { excludePlugins: ["a"] })?.id, b.id);
    assert.equal(f.store.getJob(a.id)?.status, "queued");
    assert.equal(f.store.claimNextReadyJob(f.clock.now(), { excludePlugins: new Set(["a"]) }), null);
    assert.equal(claim(f).id, a.id);
  });

  it("runs the retry schedule exactly: 30 s, 1 m, 2 m (+ jitter), then dead", () => {
    const f = fixture();
    const job = enqueue(f.store, "a");
    const random = sequenceRandom([0.5, 0.25, 0]);
    const retries: string[] = [];
    for (let n = 1; n <= 4; n++) {
      const claimed = claim(f);
      assert.equal(claimed.attempt, n);
      finishAttempt(f, claimed, failed(`fail ${n}`), { random });
      const after = f.store.getJob(job.id);
      if (after?.next_retry_at) {
        retries.push(after.next_retry_at);
        f.clock.setWall(Date.parse(after.next_retry_at));
      }
    }
    assert.deepEqual(retries, [
      "2026-01-01T00:00:45.000Z", // 30 s + 0.5·30 s
      "2026-01-01T00:01:52.500Z", // + 60 s + 0.25·30 s
      "2026-01-01T00:03:52.500Z", // + 120 s + 0
    ]);
    const dead = f.store.jobDetail(job.id);
    assert.equal(dead?.status, "dead");
    assert.equal(dead?.attempt, 4);
    assert.equal(dead?.last_error, "fail 4");
    assert.equal(dead?.completed_at, "2026-01-01T00:03:52.500Z");
    assert.deepEqual(
      dead?.attempts.map((a) => [a.attempt, a.status, a.error, a.retryable]),
      [1, 2, 3, 4].map((n) => [n, "failed", `fail ${n}`, true]),
    );
  });

  it("a non-retryable failure is dead after one attempt", () => {
    const f = fixture();
    const job = enqueue(f.store, "a");
    finishAttempt(f, claim(f), failed("exit code 78", false));
    const dead = f.store.jobDetail(job.id);
    assert.equal(dead?.status, "dead");
    assert.equal(dead?.attempt, 1);
    assert.equal(dead?.attempts.length, 1);
    assert.equal(f.store.claimNextReadyJob(f.clock.now() + 3_600_000), null);
  });
});

describe("shutdown, operator and reload transitions", () => {
  it("requeueWithoutAttempt keeps the attempt number and the queue position", () => {
    const f = fixture();
    const first = enqueue(f.store, "a");
    const second = enqueue(f.store, "b");
    const running = claim(f);
    f.store.recordSpawn(running.id, 4242, "123");
    const back = f.store.requeueWithoutAttempt(running.id);
    assert.equal(back.status, "queued");
    assert.equal(back.attempt, 1);
    assert.equal(back.started_at, null);
    assert.equal(f.store.jobDetail(first.id)?.attempts.length, 0);
    const again = claim(f);
    assert.equal(again.id, first.id);
    assert.equal(again.internal.pgid, null, "the old process group is forgotten");
    assert.equal(f.store.listQueue()[1]?.id, second.id);
    assert.throws(() => f.store.requeueWithoutAttempt(second.id), code("job_not_running"));
  });

  it("recordSpawn stores the group for recovery, only for a running job", () => {
    const f = fixture();
    const job = enqueue(f.store, "a");
    assert.throws(() => f.store.recordSpawn(job.id, 1, "1"), code("job_not_running"));
    claim(f);
    f.store.recordSpawn(job.id, 4242, "987");
    f.store.requeueWithoutAttempt(job.id);
    assert.equal(claim(f).internal.pgid, null);
  });

  it("recordSpawn skips the fsync but leaves every other commit at synchronous = FULL", () => {
    const f = fixture();
    const job = enqueue(f.store, "a");
    assert.equal(f.store.synchronousLevel(), 2);
    claim(f);
    f.store.recordSpawn(job.id, 4242, "987");
    assert.equal(f.store.synchronousLevel(), 2, "FULL again after the spawn record");
    assert.throws(() => f.store.recordSpawn("no-such-job", 1, "1"), code("job_not_running"));
    assert.equal(f.store.synchronousLevel(), 2, "FULL again after a refused spawn record");
  });

  it("cancels only a queued job, with the operator's reason", () => {
    const f = fixture();
    const running = enqueue(f.store, "a");
    const queued = enqueue(f.store, "a");
    claim(f);
    f.clock.advance(1000);
    const cancelled = f.store.cancelJob(queued.id);
    assert.equal(cancelled.status, "dead");
    assert.equal(cancelled.last_error, "cancelled by operator");
    assert.equal(cancelled.completed_at, "2026-01-01T00:00:01.000Z");
    assert.throws(
      () => f.store.cancelJob(running.id),
      (e: unknown) => code("job_not_cancellable")(e) && /running/.test(String(e)),
    );
    assert.throws(() => f.store.cancelJob(queued.id), /already dead/);
    assert.throws(() => f.store.cancelJob("nope"), code("job_not_found"));
  });

  it("retries a dead job as a new cli job whose parent is the dead one", () => {
    const f = fixture();
    const job = enqueue(f.store, "a", { payload: { p: 1 }, dedupeKey: "k" });
    finishAttempt(f, claim(f), failed("no", false));
    const retry = f.store.retryDeadJob(job.id);
    assert.notEqual(retry.id, job.id);
    assert.equal(retry.status, "queued");
    assert.equal(retry.attempt, 1);
    assert.equal(retry.submitted_by, "cli");
    assert.equal(retry.parent_job_id, job.id);
    assert.deepEqual(retry.payload, { p: 1 });
    assert.equal(retry.dedupe_key, "k");
    assert.equal(f.store.getJob(job.id)?.status, "dead", "the dead job keeps its history");
    assert.throws(() => f.store.retryDeadJob(retry.id), code("job_not_dead"));
    assert.throws(() => f.store.retryDeadJob("nope"), code("job_not_found"));
  });

  it("marks queued jobs of removed or disabled plugins dead, leaving others alone", () => {
    const f = fixture();
    const a = enqueue(f.store, "a");
    const b = enqueue(f.store, "b");
    const c = enqueue(f.store, "c");
    const killed = f.store.markDeadForPlugins(
      new Map([
        ["a", "plugin removed"],
        ["b", "plugin disabled"],
      ]),
    );
    assert.deepEqual(killed, [
      { id: a.id, plugin: "a", reason: "plugin removed" },
      { id: b.id, plugin: "b", reason: "plugin disabled" },
    ]);
    assert.equal(f.store.getJob(b.id)?.last_error, "plugin disabled");
    assert.equal(f.store.getJob(c.id)?.status, "queued");
  });
});

describe("read models", () => {
  it("lists jobs newest first, filtered by plugin and status", () => {
    const f = fixture();
    const [a1, b1, a2] = [enqueue(f.store, "a"), enqueue(f.store, "b"), enqueue(f.store, "a")];
    finishAttempt(f, claim(f), ok());
    const ids = (js: { id: string }[]) => js.map((j) => j.id);
    assert.deepEqual(ids(f.store.listJobs({ limit: 10 })), [a2.id, b1.id, a1.id]);
    assert.deepEqual(ids(f.store.listJobs({ limit: 2 })), [a2.id, b1.id]);
    assert.deepEqual(ids(f.store.listJobs({ plugin: "a", limit: 10 })), [a2.id, a1.id]);
    assert.deepEqual(ids(f.store.listJobs({ status: "succeeded", limit: 10 })), [a1.id]);
    assert.deepEqual(ids(f.store.listJobs({ plugin: "a", status: "queued", limit: 10 })), [a2.id]);
  });

  it("lists the queue (queued and running) oldest first", () => {
    const f = fixture();
    const [a, b, c] = [enqueue(f.store, "a"), enqueue(f.store, "b"), enqueue(f.store, "c")];
    finishAttempt(f, claim(f), ok());
    claim(f);
    assert.deepEqual(
      f.store.listQueue().map((j) => [j.id, j.status]),
      [
        [b.id, "running"],
        [c.id, "queued"],
      ],
    );
    assert.equal(f.store.getJob(a.id)?.status, "succeeded");
  });

  it("reports queue depth and the age of the oldest ready job", () => {
    const f = fixture();
    assert.deepEqual(f.store.queueStats(f.clock.now()), { queue_depth: 0, oldest_ready_age_seconds: null });
    enqueue(f.store, "a");
    f.clock.advance(1500);
    enqueue(f.store, "b");
    f.clock.advance(1000);
    assert.deepEqual(f.store.queueStats(f.clock.now()), { queue_depth: 2, oldest_ready_age_seconds: 2.5 });
    finishAttempt(f, claim(f), failed("x"));
    // The retry waits 30 s: not ready, so "b" (ready for 1 s) is now the oldest ready job.
    assert.deepEqual(f.store.queueStats(f.clock.now()), { queue_depth: 2, oldest_ready_age_seconds: 1 });
  });

  it("counts outstanding polls, whoever submitted them (poll guard)", () => {
    const f = fixture();
    enqueue(f.store, "a", { submittedBy: "cli" });
    enqueue(f.store, "a");
    enqueue(f.store, "a", { command: "handle" });
    enqueue(f.store, "b");
    const running = claim(f);
    assert.equal(f.store.countOutstandingPolls("a"), 2);
    finishAttempt(f, running, ok());
    assert.equal(f.store.countOutstandingPolls("a"), 1);
    assert.equal(f.store.countOutstandingPolls("z"), 0);
  });

  it("recentAttempts returns the latest attempts and follows new ones by sequence", () => {
    const f = fixture();
    for (const p of ["a", "b", "a"]) enqueue(f.store, p);
    for (let i = 0; i < 3; i++)
      finishAttempt(f, claim(f), ok({ logs: [{ level: "info", message: `m${i}` }] }));
    const all = f.store.recentAttempts({ limit: 10 });
    assert.deepEqual(
      all.map((a) => [a.plugin, a.logs[0]?.message]),
      [
        ["a", "m0"],
        ["b", "m1"],
        ["a", "m2"],
      ],
    );
    assert.deepEqual(
      f.store.recentAttempts({ limit: 1 }).map((a) => a.logs[0]?.message),
      ["m2"],
    );
    assert.deepEqual(
      f.store.recentAttempts({ plugin: "a", limit: 10 }).map((a) => a.logs[0]?.message),
      ["m0", "m2"],
    );
    const cursor = all[0]?.seq ?? 0;
    assert.deepEqual(
      f.store.recentAttempts({ sinceSeq: cursor, limit: 10 }).map((a) => a.logs[0]?.message),
      ["m1", "m2"],
    );
    assert.deepEqual(
      f.store.recentAttempts({ plugin: "b", sinceSeq: cursor, limit: 10 }).map((a) => a.logs[0]?.message),
      ["m1"],
    );
  });
});
