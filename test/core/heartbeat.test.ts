import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "../../src/core/clock.js";
import { type HeartbeatState, stepHeartbeat } from "../../src/core/heartbeat.js";

const H = 3_600_000;

describe("heartbeat step (SPEC §16) with a fake clock", () => {
  it("starts the clock at the first evaluation: a new plugin is not missed at once", () => {
    const clock = new FakeClock();
    const first = stepHeartbeat("success", null, null, 26 * H, clock.now());
    assert.equal(first.transition, null);
    assert.deepEqual(first.next, { started_at: clock.now(), last_at: null, missed_at: null });
  });

  it("misses once after the period without a success, recovers once at the next success", () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    let state: HeartbeatState | null = null;
    const step = (seen: number | null) => {
      const s = stepHeartbeat("success", state, seen, 26 * H, clock.now());
      state = s.next;
      return s.transition;
    };
    assert.equal(step(null), null);
    clock.advance(26 * H - 1);
    assert.equal(step(null), null, "1 ms before the period");
    clock.advance(1);
    assert.deepEqual(step(null), {
      to: "missed",
      reason: "no job succeeded since it was first loaded 1d2h ago (expected within 1d2h)",
    });
    // Never a reminder: later ticks stay quiet.
    clock.advance(48 * H);
    assert.equal(step(null), null);
    const success = clock.now();
    clock.advance(60_000);
    assert.deepEqual(step(success), { to: "recovered", reason: "a job succeeded again; missed for 2d1m" });
    assert.equal(step(success), null);
    assert.deepEqual(state, { started_at: t0, last_at: success, missed_at: null });
    // The next incident counts from that success.
    clock.setWall(success + 26 * H);
    assert.equal(step(null)?.to, "missed");
  });

  it("an event heartbeat reads its own wording", () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const state: HeartbeatState = { started_at: t0, last_at: t0, missed_at: null };
    clock.advance(7 * 24 * H);
    assert.deepEqual(stepHeartbeat("event", state, null, 7 * 24 * H, clock.now()).transition, {
      to: "missed",
      reason: "no event emitted for 7d (expected within 7d)",
    });
  });
});
