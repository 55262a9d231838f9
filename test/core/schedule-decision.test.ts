import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CLOSED } from "../../src/core/breaker.js";
import { decideRun, localTime, type RunFacts } from "../../src/core/schedule-decision.js";
import { every, HOUR, MIN, utc, win } from "./schedule-helpers.js";

const NOW = utc("2026-02-08T12:00:00Z");

function facts(over: Partial<RunFacts> = {}): RunFacts {
  return {
    nowMs: NOW,
    zone: "UTC",
    schedule: every(6 * HOUR, 30 * MIN),
    plan: { anchorMs: NOW - 6 * HOUR, offsetMs: -60_000, baseMs: NOW - 60_000, atMs: NOW - 60_000 },
    runJobId: null,
    failedPolls: 0,
    plugin: { enabled: true, loaded: true, hasPoll: true, healthy: true },
    breaker: CLOSED,
    resetAfterMs: 30 * MIN,
    outstandingPolls: 0,
    maxOutstandingPolls: 1,
    ...over,
  };
}

describe("decideRun: enqueue, wait or skip, with the reason status shows (SPEC §9)", () => {
  it("enqueues a due run", () => {
    assert.deepEqual(decideRun(facts()), { action: "enqueue", trial: false, reason: "scheduled" });
  });

  it("waits for a run that is not due, saying why it is then", () => {
    const d = decideRun(
      facts({
        plan: { anchorMs: NOW - HOUR, offsetMs: 90_000, baseMs: NOW + 5 * HOUR, atMs: NOW + 5 * HOUR },
      }),
    );
    assert.deepEqual(d, {
      action: "wait",
      atMs: NOW + 5 * HOUR,
      reason: "360m after the last success at 11:00, jitter +1m30s",
    });
  });

  it("skips a due run for the poll guard, an open circuit, a closed window, or an unusable plugin", () => {
    assert.deepEqual(decideRun(facts({ outstandingPolls: 1 })), {
      action: "skip",
      skip: "poll_guard",
      atMs: null,
      reason: "poll guard: 1 poll outstanding",
    });
    const open = decideRun(facts({ breaker: { state: "open", failures: 3, openedAt: NOW - 60_000 } }));
    assert.deepEqual(open, {
      action: "skip",
      skip: "circuit_open",
      atMs: NOW + 29 * MIN,
      reason: "circuit open until 12:29",
    });
    const closedWindow = decideRun(facts({ schedule: every(6 * HOUR, 0, win("18:00", "20:00")) }));
    assert.deepEqual(closedWindow, {
      action: "skip",
      skip: "window",
      atMs: utc("2026-02-08T18:00:00Z"),
      reason: "next run 18:00 (window)",
    });
    const unhealthy = decideRun(
      facts({ plugin: { enabled: true, loaded: true, hasPoll: true, healthy: false } }),
    );
    assert.equal(unhealthy.action === "skip" && unhealthy.skip, "unhealthy");
    const disabled = decideRun(
      facts({ plugin: { enabled: false, loaded: true, hasPoll: true, healthy: true } }),
    );
    assert.deepEqual(disabled, { action: "skip", skip: "disabled", atMs: null, reason: "plugin disabled" });
    // postern pause (SPEC §19): a due poll is skipped with the reason status shows.
    const paused = decideRun(
      facts({ plugin: { enabled: true, loaded: true, hasPoll: true, healthy: true, paused: true } }),
    );
    assert.equal(paused.action === "skip" && paused.skip, "paused");
    assert.match(paused.reason, /^paused/);
  });

  it("allows one trial poll when half-open, and only when no poll is outstanding", () => {
    const half = { state: "half_open" as const, failures: 3, openedAt: NOW - HOUR };
    assert.deepEqual(decideRun(facts({ breaker: half })), {
      action: "enqueue",
      trial: true,
      reason: "circuit half-open: trial poll",
    });
    const busy = decideRun(facts({ breaker: half, outstandingPolls: 1, maxOutstandingPolls: 5 }));
    assert.equal(busy.action === "skip" && busy.skip, "half_open");
  });

  it("never enqueues twice for one plan: an enqueued run waits", () => {
    const d = decideRun(facts({ runJobId: "j1", outstandingPolls: 1, maxOutstandingPolls: 5 }));
    assert.deepEqual(d, { action: "wait", atMs: null, reason: "poll j1 is queued or running" });
  });

  it("labels first runs, reruns after failed polls, and missed runs", () => {
    const notYet = { anchorMs: null, offsetMs: 239_400, baseMs: NOW + 239_400, atMs: NOW + 239_400 };
    assert.equal(decideRun(facts({ plan: notYet })).reason, "first run: start + 3m59s jitter");
    const first = { anchorMs: null, offsetMs: 0, baseMs: NOW, atMs: NOW };
    const d = decideRun(facts({ plan: first }));
    assert.equal(d.action === "enqueue" && d.reason, "first run");
    const again = decideRun(facts({ failedPolls: 2 }));
    assert.equal(
      again.action === "enqueue" && again.reason,
      "run again: 2 polls for it ended without success",
    );
    const missed = {
      anchorMs: NOW - 7 * 24 * HOUR,
      offsetMs: 0,
      baseMs: NOW - 7 * 24 * HOUR + 6 * HOUR,
      atMs: NOW - 7 * 24 * HOUR + 6 * HOUR,
    };
    const late = decideRun(facts({ plan: missed }));
    assert.equal(late.action === "enqueue" && late.reason, "missed run, 6d18h late");
  });

  it("formats local times in the service zone, with the date when it is another day", () => {
    assert.equal(localTime(utc("2026-02-08T14:32:00Z"), "Europe/Berlin", NOW), "15:32");
    assert.equal(localTime(utc("2026-02-09T14:32:05Z"), "UTC", NOW), "2026-02-09 14:32:05");
  });
});
