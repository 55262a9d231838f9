import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import type { Outcome } from "../../src/core/outcome.js";
import { migrations, openStore } from "../../src/store/index.js";
import { migrate } from "../../src/store/migrations.js";
import { claim, DAY, enqueue, type Fixture, failed, finishAttempt, fixture, ok, tempDir } from "./helpers.js";

/** The next job's attempt, committed with the plugin's breaker threshold, as the daemon commits. */
function commit(f: Fixture, outcome: Outcome, threshold = 3) {
  return finishAttempt(f, claim(f), outcome, {
    breakerThreshold: threshold,
    backoffBaseMs: 1000,
    enabled: [],
  });
}

const row = (f: Fixture, command = "poll") => f.store.breaker("a", command);

describe("breaker transitions in the attempt's commit (SPEC §9, §6.5)", () => {
  it("opens in the same commit as the failure that reaches the threshold", () => {
    const f = fixture();
    for (let i = 0; i < 3; i++) enqueue(f.store, "a", { maxAttempts: 1 });
    assert.equal(commit(f, failed("x")).breaker, null);
    assert.equal(commit(f, failed("x")).breaker, null);
    f.clock.advance(1000);
    const r = commit(f, failed("x"));
    const at = new Date(f.clock.now()).toISOString();
    assert.deepEqual(r.breaker, {
      plugin: "a",
      command: "poll",
      from: "closed",
      to: "open",
      reason: "3 consecutive failures",
      failures: 3,
      opened_at: at,
    });
    assert.equal(row(f)?.state, "open");
    assert.equal(row(f)?.last_failure_at, at);
    assert.equal(row(f)?.last_success_at, null);
    assert.equal(row(f)?.reason, "3 consecutive failures");
  });

  it("half-open: a failure re-opens, a success closes and records the success time", () => {
    const f = fixture();
    for (let i = 0; i < 5; i++) enqueue(f.store, "a", { maxAttempts: 1 });
    for (let i = 0; i < 3; i++) commit(f, failed("x"));
    f.clock.advance(30 * 60_000);
    const tick = { type: "tick", at: f.clock.now(), threshold: 3, resetAfterMs: 30 * 60_000 } as const;
    assert.equal(f.store.stepBreaker("a", "poll", tick)?.to, "half_open");
    assert.equal(f.store.stepBreaker("a", "poll", tick), null, "a second tick changes nothing");
    assert.equal(commit(f, failed("x")).breaker?.reason, "the trial attempt failed");
    assert.equal(row(f)?.opened_at, new Date(f.clock.now()).toISOString(), "re-opened now");
    f.clock.advance(30 * 60_000);
    f.store.stepBreaker("a", "poll", { ...tick, at: f.clock.now() });
    const closed = commit(f, ok());
    assert.equal(closed.breaker?.to, "closed");
    assert.deepEqual(
      { state: row(f)?.state, failures: row(f)?.failures, last_success_at: row(f)?.last_success_at },
      { state: "closed", failures: 0, last_success_at: new Date(f.clock.now()).toISOString() },
    );
  });

  it("without a threshold (older callers, crash recovery) it only counts", () => {
    const f = fixture();
    for (let i = 0; i < 4; i++) enqueue(f.store, "a", { maxAttempts: 1 });
    for (let i = 0; i < 4; i++) assert.equal(finishAttempt(f, claim(f), failed("x")).breaker, null);
    assert.deepEqual([row(f)?.state, row(f)?.failures], ["closed", 4]);
  });

  it("closeCircuits (postern reset) closes and reports what it closed", () => {
    const f = fixture();
    for (let i = 0; i < 3; i++) enqueue(f.store, "a", { maxAttempts: 1 });
    enqueue(f.store, "a", { command: "handle", maxAttempts: 1 });
    for (let i = 0; i < 3; i++) commit(f, failed("x"));
    commit(f, failed("x"));
    const closed = f.store.closeCircuits("a", "poll");
    assert.deepEqual(
      closed.map((b) => [b.command, b.state, b.failures]),
      [["poll", "open", 3]],
    );
    assert.deepEqual([row(f)?.state, row(f)?.failures, row(f)?.reason], ["closed", 0, "postern reset"]);
    assert.equal(row(f, "handle")?.failures, 1, "--command leaves the others alone");
    assert.deepEqual(
      f.store.closeCircuits("a").map((b) => b.command),
      ["handle"],
    );
    assert.deepEqual(f.store.closeCircuits("a"), [], "nothing left to close");
    assert.deepEqual(f.store.closeCircuits("nope"), []);
  });
});

describe("stored run plans (SPEC §9)", () => {
  it("saves, marks enqueued (counting polls), records skips and removes", () => {
    const f = fixture();
    const plan = {
      plugin: "a",
      config_hash: "h1",
      anchor_at: null,
      offset_ms: 1234,
      base_at: "2026-01-01T00:00:01.234Z",
      next_run_at: "2026-01-01T06:00:00.000Z",
      updated_at: "2026-01-01T00:00:00.000Z",
    };
    f.store.saveSchedulePlan(plan);
    assert.deepEqual(f.store.schedule("a"), {
      ...plan,
      run_job_id: null,
      polls: 0,
      skip_kind: null,
      skip_reason: null,
      skipped_at: null,
    });
    f.store.recordScheduleSkip("a", { kind: "poll_guard", reason: "poll guard: 1 poll outstanding" });
    assert.equal(f.store.schedule("a")?.skip_kind, "poll_guard");
    f.store.setScheduledRun("a", "j1");
    f.store.setScheduledRun("a", null);
    f.store.setScheduledRun("a", "j2");
    assert.deepEqual(
      [f.store.schedule("a")?.run_job_id, f.store.schedule("a")?.polls, f.store.schedule("a")?.skip_kind],
      ["j2", 2, null],
    );
    f.store.saveSchedulePlan({ ...plan, offset_ms: 5 });
    assert.deepEqual(
      [f.store.schedule("a")?.run_job_id, f.store.schedule("a")?.polls],
      [null, 0],
      "a new plan",
    );
    assert.equal(f.store.schedules().length, 1);
    assert.equal(f.store.removeSchedule("a"), true);
    assert.equal(f.store.schedule("a"), null);
  });

  it("migration 2 upgrades a version-1 database and keeps its breaker rows", () => {
    const dir = tempDir();
    const file = path.join(dir, "postern.db");
    const db = new Database(file);
    migrate(db, file, migrations.slice(0, 1));
    db.prepare(
      "INSERT INTO breakers (plugin, command, failures, updated_at) VALUES ('a', 'poll', 2, 'x')",
    ).run();
    db.close();
    const f = fixture();
    const store = openStore(dir, { clock: f.clock });
    try {
      assert.deepEqual(
        { ...store.breaker("a", "poll"), updated_at: "x" },
        {
          plugin: "a",
          command: "poll",
          failures: 2,
          state: "closed",
          opened_at: null,
          updated_at: "x",
          last_success_at: null,
          last_failure_at: null,
          reason: null,
        },
      );
      assert.deepEqual(store.schedules(), []);
    } finally {
      store.close();
    }
  });
});

describe("bounded retention (SPEC §9)", () => {
  it("pruneTerminal with maxBatches stops after that many batches", () => {
    const f = fixture();
    for (let i = 0; i < 7; i++) {
      enqueue(f.store, "a");
      finishAttempt(f, claim(f), ok());
    }
    f.clock.advance(2 * DAY);
    assert.deepEqual(f.store.pruneTerminal(f.clock.now() - DAY, 2, 1), { deleted: 2, batches: 1 });
    assert.deepEqual(f.store.pruneTerminal(f.clock.now() - DAY, 2, 2), { deleted: 4, batches: 2 });
    assert.deepEqual(f.store.pruneTerminal(f.clock.now() - DAY, 2, 5), { deleted: 1, batches: 1 });
  });
});
