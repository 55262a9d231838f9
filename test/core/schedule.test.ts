import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sequenceRandom } from "../../src/core/clock.js";
import { addEvery, drawOffset, effectiveRunAt, nextRunAt, planRun } from "../../src/core/schedule.js";
import { DAY, every, HOUR, iso, MIN, monthly, seeded, utc, win } from "./schedule-helpers.js";

describe("next run: interval and jitter (SPEC §9)", () => {
  it("is the last success + every + the drawn offset in [-jitter/2, +jitter/2]", () => {
    const last = utc("2026-02-08T06:00:00Z");
    const s = every(6 * HOUR, 30 * MIN);
    const at = (u: number) =>
      planRun({ schedule: s, zone: "UTC", anchorMs: last, startMs: 0, random: sequenceRandom([u]) });
    assert.equal(iso(at(0).atMs), "2026-02-08T11:45:00.000Z");
    assert.equal(iso(at(0.5).atMs), "2026-02-08T12:00:00.000Z");
    assert.equal(iso(at(0.75).atMs), "2026-02-08T12:07:30.000Z");
    assert.equal(at(0.25).offsetMs, -7.5 * MIN);
  });

  it("a plugin that never succeeded runs at start + [0, jitter]", () => {
    const start = utc("2026-02-08T06:00:00Z");
    const plan = (u: number) =>
      planRun({
        schedule: every(HOUR, 10 * MIN),
        zone: "UTC",
        anchorMs: null,
        startMs: start,
        random: sequenceRandom([u]),
      });
    assert.equal(plan(0).atMs, start);
    assert.equal(plan(0.5).atMs, start + 5 * MIN);
    assert.equal(plan(0.5).anchorMs, null);
    assert.equal(drawOffset(10 * MIN, true, sequenceRandom([0.999_999_9])), 10 * MIN, "rounded to the ms");
    assert.equal(drawOffset(10 * MIN, false, sequenceRandom([0])), -5 * MIN);
  });

  it("after a week down, the missed run is due once, now, not once per missed interval", () => {
    const last = utc("2026-02-01T06:00:00Z");
    const now = last + 7 * DAY;
    const next = nextRunAt({
      schedule: every(HOUR, 0),
      zone: "UTC",
      lastSuccessMs: last,
      startMs: now,
      random: sequenceRandom([0.5]),
      nowMs: now,
    });
    assert.equal(next.atMs, last + HOUR, "the plan stays what it was");
    assert.equal(next.dueMs, now, "and it runs at once");
  });

  it("a missed run outside the window waits for the window, then runs once", () => {
    const s = every(HOUR, 0, win("06:00", "22:00"));
    const planned = utc("2026-02-08T21:00:00Z");
    assert.equal(
      iso(effectiveRunAt(planned, s, "UTC", utc("2026-02-08T23:30:00Z"))),
      "2026-02-09T06:00:00.000Z",
    );
    assert.equal(
      iso(effectiveRunAt(planned, s, "UTC", utc("2026-02-09T07:00:00Z"))),
      "2026-02-09T07:00:00.000Z",
    );
  });

  it("does not wander: over 1,000 runs the mean interval stays `every`", () => {
    const s = every(6 * HOUR, 30 * MIN);
    const random = seeded(42);
    let last = utc("2026-01-01T00:00:00Z");
    const first = last;
    for (let i = 0; i < 1000; i++) {
      const plan = planRun({ schedule: s, zone: "UTC", anchorMs: last, startMs: 0, random });
      const gap = plan.atMs - last;
      assert.ok(gap >= 6 * HOUR - 15 * MIN && gap <= 6 * HOUR + 15 * MIN, `gap ${gap}`);
      last = plan.atMs; // the poll succeeds when it runs
    }
    const mean = (last - first) / 1000;
    assert.ok(Math.abs(mean - 6 * HOUR) < MIN, `mean interval ${mean / MIN} min`);
    assert.equal(random.calls, 1000, "one draw per run");
  });
});

describe("monthly, daily, weekly (SPEC §9)", () => {
  it("monthly adds one calendar month, clamped to the month's end", () => {
    const next = (from: string, zone = "UTC") => iso(addEvery(utc(from), monthly().every, zone));
    assert.equal(next("2026-01-31T10:00:00Z"), "2026-02-28T10:00:00.000Z");
    assert.equal(next("2028-01-31T10:00:00Z"), "2028-02-29T10:00:00.000Z");
    assert.equal(next("2026-03-31T10:00:00Z"), "2026-04-30T10:00:00.000Z");
    assert.equal(next("2026-12-15T10:00:00Z"), "2027-01-15T10:00:00.000Z");
    // In the service zone: 10:00 London on Mar 15 (GMT) is 10:00 London on Apr 15 (BST).
    assert.equal(next("2026-03-15T10:00:00Z", "Europe/London"), "2026-04-15T09:00:00.000Z");
  });

  it("daily and weekly are 24 h and 7 d, also across a DST change", () => {
    const daily = every(DAY).every;
    const before = utc("2026-03-28T06:00:00Z"); // 06:00 GMT, the day before London springs forward
    assert.equal(addEvery(before, daily, "Europe/London") - before, DAY);
    assert.equal(addEvery(before, every(7 * DAY).every, "Europe/London") - before, 7 * DAY);
  });

  it("monthly from Jan 31 runs on Feb 28, then the 28th after that (it counts from the last success)", () => {
    let last = utc("2026-01-31T10:00:00Z");
    const runs: string[] = [];
    for (let i = 0; i < 3; i++) {
      last = planRun({
        schedule: monthly(),
        zone: "UTC",
        anchorMs: last,
        startMs: 0,
        random: sequenceRandom([0.5]),
      }).atMs;
      runs.push(iso(last).slice(0, 10));
    }
    assert.deepEqual(runs, ["2026-02-28", "2026-03-28", "2026-04-28"]);
  });
});
