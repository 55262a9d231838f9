import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sequenceRandom } from "../../src/core/clock.js";
import { planRun } from "../../src/core/schedule.js";
import { inWindow, snapToWindow } from "../../src/core/schedule-window.js";
import { DAY, every, HOUR, iso, MIN, utc, win } from "./schedule-helpers.js";

const snap = (at: string, w: ReturnType<typeof win>, zone: string) => iso(snapToWindow(utc(at), w, zone));

describe("preferred_window snapping (SPEC §9)", () => {
  const day = win("06:00", "22:00");

  it("keeps a time inside the window and moves one outside to the next window start", () => {
    assert.equal(snap("2026-01-10T12:00:00Z", day, "UTC"), "2026-01-10T12:00:00.000Z");
    assert.equal(snap("2026-01-10T06:00:00Z", day, "UTC"), "2026-01-10T06:00:00.000Z", "start is inside");
    assert.equal(snap("2026-01-10T22:00:00Z", day, "UTC"), "2026-01-11T06:00:00.000Z", "end is outside");
    assert.equal(snap("2026-01-10T03:00:00Z", day, "UTC"), "2026-01-10T06:00:00.000Z");
  });

  it("works in the service zone, not UTC", () => {
    // 04:30Z is 23:30 in New York (EST, UTC-5) the day before: outside; next start 06:00 EST.
    assert.equal(snap("2026-01-11T04:30:00Z", day, "America/New_York"), "2026-01-11T11:00:00.000Z");
    assert.ok(inWindow(utc("2026-01-11T11:00:00Z"), day, "America/New_York"));
  });

  it("handles windows that cross midnight", () => {
    const night = win("22:00", "06:00");
    assert.equal(snap("2026-01-10T23:00:00Z", night, "UTC"), "2026-01-10T23:00:00.000Z");
    assert.equal(snap("2026-01-10T03:00:00Z", night, "UTC"), "2026-01-10T03:00:00.000Z", "opened yesterday");
    assert.equal(snap("2026-01-10T06:00:00Z", night, "UTC"), "2026-01-10T22:00:00.000Z");
    assert.equal(snap("2026-01-10T12:00:00Z", night, "UTC"), "2026-01-10T22:00:00.000Z");
  });

  it("moves a planned run outside the window to the window start", () => {
    const s = every(6 * HOUR, 0, day);
    const plan = planRun({
      schedule: s,
      zone: "Europe/London",
      anchorMs: utc("2026-01-10T19:00:00Z"),
      startMs: 0,
      random: sequenceRandom([0.5]),
    });
    assert.equal(iso(plan.baseMs), "2026-01-11T01:00:00.000Z");
    assert.equal(iso(plan.atMs), "2026-01-11T06:00:00.000Z");
  });
});

describe("preferred_window across DST (SPEC §9)", () => {
  it("Europe/London spring forward: a start in the gap opens at the first instant after it", () => {
    // 2026-03-29: 01:00 GMT becomes 02:00 BST; 01:30 does not exist.
    assert.equal(
      snap("2026-03-29T00:00:00Z", win("01:30", "03:00"), "Europe/London"),
      "2026-03-29T01:00:00.000Z",
    );
  });

  it("Europe/London fall back: a start in the repeated hour opens at its first occurrence", () => {
    // 2026-10-25: 02:00 BST becomes 01:00 GMT; 01:30 happens at 00:30Z (BST) and 01:30Z (GMT).
    assert.equal(
      snap("2026-10-24T23:00:00Z", win("01:30", "04:00"), "Europe/London"),
      "2026-10-25T00:30:00.000Z",
    );
  });

  it("America/New_York spring forward and fall back", () => {
    // 2026-03-08: 02:00 EST becomes 03:00 EDT (07:00Z); 02:30 does not exist.
    assert.equal(
      snap("2026-03-08T05:00:00Z", win("02:30", "05:00"), "America/New_York"),
      "2026-03-08T07:00:00.000Z",
    );
    // 2026-11-01: 02:00 EDT becomes 01:00 EST; 01:30 EDT is 05:30Z, 01:30 EST 06:30Z.
    assert.equal(
      snap("2026-11-01T04:00:00Z", win("01:30", "05:00"), "America/New_York"),
      "2026-11-01T05:30:00.000Z",
    );
  });

  it("a repeated window end closes at its first occurrence", () => {
    // 22:00-01:30 on the New York fall-back night closes at 01:30 EDT; 01:00 EST is outside.
    const w = win("22:00", "01:30");
    assert.ok(inWindow(utc("2026-11-01T05:29:00Z"), w, "America/New_York"));
    assert.ok(
      !inWindow(utc("2026-11-01T06:00:00Z"), w, "America/New_York"),
      "01:00 EST, the second time round",
    );
    assert.equal(snap("2026-11-01T06:00:00Z", w, "America/New_York"), "2026-11-02T03:00:00.000Z");
  });

  it("Australia/Lord_Howe: 30-minute DST gap and repeat", () => {
    // 2026-10-04: 02:00 (+10:30) becomes 02:30 (+11); 02:15 does not exist → 02:30 +11 = 15:30Z.
    assert.equal(
      snap("2026-10-03T13:30:00Z", win("02:15", "06:00"), "Australia/Lord_Howe"),
      "2026-10-03T15:30:00.000Z",
    );
    // 2026-04-05: 02:00 (+11) becomes 01:30 (+10:30); 01:45 happens at 14:45Z and 15:15Z.
    assert.equal(
      snap("2026-04-04T13:00:00Z", win("01:45", "06:00"), "Australia/Lord_Howe"),
      "2026-04-04T14:45:00.000Z",
    );
  });

  it("a daily run on a narrow window, across spring forward (the docs' worked example)", () => {
    // Daily at about 06:10 London inside 06:00-07:00. After the clocks go forward, 24 h later
    // is 07:10 BST: outside, so the run moves to the next window start, 06:00 BST next day.
    const s = every(DAY, 0, win("06:00", "07:00"));
    const plan = planRun({
      schedule: s,
      zone: "Europe/London",
      anchorMs: utc("2026-03-28T06:10:00Z"),
      startMs: 0,
      random: sequenceRandom([0.5]),
    });
    assert.equal(iso(plan.baseMs), "2026-03-29T06:10:00.000Z");
    assert.equal(iso(plan.atMs), "2026-03-30T05:00:00.000Z");
    assert.equal(plan.atMs - plan.baseMs, 22 * HOUR + 50 * MIN);
  });
});
