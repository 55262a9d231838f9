/** Invariants of next-run computation over random schedules, zones, draws and times (SPEC §9). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { Schedule } from "../../src/config/types.js";
import { sequenceRandom } from "../../src/core/clock.js";
import { addEvery, effectiveRunAt, planRun } from "../../src/core/schedule.js";
import { inWindow } from "../../src/core/schedule-window.js";
import { DAY, MIN } from "./schedule-helpers.js";

const ZONES = [
  "UTC",
  "Europe/London",
  "America/New_York",
  "Australia/Lord_Howe",
  "Asia/Kolkata",
  "America/Santiago",
];
const FROM = Date.UTC(2026, 0, 1);
const TO = Date.UTC(2028, 0, 1);

const timeOfDay = fc.record({
  hour: fc.integer({ min: 0, max: 23 }),
  minute: fc.integer({ min: 0, max: 59 }),
});
const window = fc
  .tuple(timeOfDay, timeOfDay)
  .filter(([a, b]) => a.hour !== b.hour || a.minute !== b.minute)
  .map(([start, end]) => ({ start, end }));
const everyArb = fc.oneof(
  fc
    .integer({ min: 1, max: 30 * 24 * 60 })
    .map((m) => ({ kind: "fixed" as const, ms: m * MIN, text: `${m}m` })),
  fc.constant({ kind: "monthly" as const, text: "monthly" as const }),
);
const scheduleArb = (withWindow: boolean) =>
  fc.record({
    every: everyArb,
    jitter: fc.integer({ min: 0, max: DAY }),
    preferred_window: withWindow ? window : fc.constant(null),
  }) as fc.Arbitrary<Schedule>;
const input = (withWindow: boolean) =>
  fc.record({
    schedule: scheduleArb(withWindow),
    zone: fc.constantFrom(...ZONES),
    anchor: fc.option(fc.integer({ min: FROM, max: TO }), { nil: null }),
    start: fc.integer({ min: FROM, max: TO }),
    u: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
    nowDelta: fc.integer({ min: -40 * DAY, max: 40 * DAY }),
  });

type Input = typeof input extends (b: boolean) => fc.Arbitrary<infer T> ? T : never;

function run(i: Input) {
  const plan = planRun({
    schedule: i.schedule,
    zone: i.zone,
    anchorMs: i.anchor,
    startMs: i.start,
    random: sequenceRandom([i.u]),
  });
  const now = (i.anchor ?? i.start) + i.nowDelta;
  return { plan, now, due: effectiveRunAt(plan.atMs, i.schedule, i.zone, now) };
}

describe("next-run properties (fast-check)", () => {
  it("a planned or effective run is always inside the window when one is set", () => {
    fc.assert(
      fc.property(input(true), (i) => {
        const { plan, due } = run(i);
        const w = i.schedule.preferred_window;
        assert.ok(w);
        assert.ok(inWindow(plan.atMs, w, i.zone), `planned ${new Date(plan.atMs).toISOString()}`);
        assert.ok(inWindow(due, w, i.zone), `effective ${new Date(due).toISOString()}`);
      }),
      { numRuns: 400 },
    );
  });

  it("never earlier than last success + every - jitter/2 (a window only moves a run later)", () => {
    fc.assert(
      fc.property(fc.boolean().chain(input), (i) => {
        if (i.anchor === null) return;
        const { plan, due } = run(i);
        const floor = addEvery(i.anchor, i.schedule.every, i.zone) - i.schedule.jitter / 2;
        assert.ok(plan.baseMs >= Math.floor(floor) && plan.atMs >= plan.baseMs && due >= plan.atMs);
        if (i.schedule.preferred_window === null) {
          assert.ok(plan.baseMs <= Math.ceil(floor + i.schedule.jitter), "and no later than + jitter/2");
          assert.equal(plan.atMs, plan.baseMs);
        }
      }),
      { numRuns: 400 },
    );
  });

  it("a first run is at start + [0, jitter] (then moved into the window)", () => {
    fc.assert(
      fc.property(input(false), (i) => {
        const plan = run({ ...i, anchor: null }).plan;
        assert.ok(plan.atMs >= i.start && plan.atMs <= i.start + i.schedule.jitter);
      }),
    );
  });
});
