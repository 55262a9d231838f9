import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type Breaker,
  type BreakerEvent,
  CLOSED,
  halfOpensAt,
  reduceBreaker,
} from "../../src/core/breaker.js";

const T = 1_000_000;
const fail = (at = T): BreakerEvent => ({ type: "failure", at, threshold: 3 });
const tick = (at: number): BreakerEvent => ({ type: "tick", at, threshold: 3, resetAfterMs: 60_000 });

function run(events: BreakerEvent[], from: Breaker = CLOSED) {
  const transitions: string[] = [];
  let b = from;
  for (const ev of events) {
    const step = reduceBreaker(b, ev);
    if (step.transition)
      transitions.push(`${step.transition.from}->${step.transition.to}: ${step.transition.reason}`);
    b = step.next;
  }
  return { b, transitions };
}

describe("circuit breaker reducer (SPEC §9)", () => {
  it("counts consecutive failures and opens at the threshold", () => {
    const { b, transitions } = run([fail(), fail(), fail(T + 5)]);
    assert.deepEqual(b, { state: "open", failures: 3, openedAt: T + 5 });
    assert.deepEqual(transitions, ["closed->open: 3 consecutive failures"]);
  });

  it("a success resets the count before the threshold", () => {
    const { b, transitions } = run([fail(), fail(), { type: "success", at: T }, fail(), fail()]);
    assert.deepEqual(b, { state: "closed", failures: 2, openedAt: null });
    assert.deepEqual(transitions, []);
  });

  it("stays open (and keeps opened_at) while more failures arrive", () => {
    const { b } = run([fail(), fail(), fail(T), fail(T + 10), tick(T + 30_000)]);
    assert.deepEqual(b, { state: "open", failures: 4, openedAt: T });
  });

  it("turns half-open after reset_after; a failure re-opens, a success closes", () => {
    const opened = run([fail(), fail(), fail(T)]).b;
    assert.equal(halfOpensAt(opened, 60_000), T + 60_000);
    assert.equal(reduceBreaker(opened, tick(T + 59_999)).transition, null);
    const half = reduceBreaker(opened, tick(T + 60_000));
    assert.deepEqual(half.transition, { from: "open", to: "half_open", reason: "reset_after elapsed" });
    assert.deepEqual(half.next, { state: "half_open", failures: 3, openedAt: T });

    const reopened = reduceBreaker(half.next, { type: "failure", at: T + 70_000, threshold: 3 });
    assert.deepEqual(reopened.next, { state: "open", failures: 4, openedAt: T + 70_000 });
    assert.equal(reopened.transition?.reason, "the trial attempt failed");

    const closed = reduceBreaker(half.next, { type: "success", at: T + 70_000 });
    assert.deepEqual(closed.next, CLOSED);
    assert.deepEqual(closed.transition, { from: "half_open", to: "closed", reason: "an attempt succeeded" });
  });

  it("a failure without a known threshold only counts, except that it re-opens a half-open circuit", () => {
    assert.deepEqual(
      run([{ type: "failure", at: T }], { state: "closed", failures: 9, openedAt: null }).b.state,
      "closed",
    );
    const half: Breaker = { state: "half_open", failures: 3, openedAt: T };
    assert.equal(reduceBreaker(half, { type: "failure", at: T + 1 }).next.state, "open");
  });

  it("a tick opens a closed circuit whose count already reached the threshold (recovery, lowered threshold)", () => {
    const step = reduceBreaker({ state: "closed", failures: 3, openedAt: null }, tick(T));
    assert.deepEqual(step.next, { state: "open", failures: 3, openedAt: T });
  });

  it("reset closes from any state", () => {
    for (const state of ["open", "half_open", "closed"] as const) {
      const step = reduceBreaker({ state, failures: 5, openedAt: T }, { type: "reset", at: T });
      assert.deepEqual(step.next, CLOSED);
      assert.equal(step.transition?.reason ?? null, state === "closed" ? null : "postern reset");
    }
  });
});
