/**
 * When a plugin polls next (docs/scheduling.md), as pure functions of the schedule, the last success,
 * a drawn offset, the time zone and "now". The scheduler stores a plan (anchor, offset, time)
 * and only draws a new offset when the anchor changes, so ticking never moves a run and a
 * restart neither reshuffles nor repeats it.
 */
import { DateTime } from "luxon";
import type { Random } from "./clock.js";
import type { Every, Schedule } from "./schedule-types.js";
import { snapToWindow } from "./schedule-window.js";

/** A stored plan for the next run. */
export interface RunPlan {
  /** The success it counts from (ms); null: the first run, which counts from `start`. */
  anchorMs: number | null;
  /** The jitter drawn for this run. */
  offsetMs: number;
  /** anchor + every + offset (or start + offset), before the window moved it. */
  baseMs: number;
  /** The planned run: base moved into the preferred window when one is set. */
  atMs: number;
}

/** `monthly` is one calendar month in the zone, clamped to the month's end (Jan 31 → Feb 28). */
export function addEvery(ms: number, every: Every, zone: string): number {
  if (every.kind === "fixed") return ms + every.ms;
  return DateTime.fromMillis(ms, { zone }).plus({ months: 1 }).toMillis();
}

/** First run: uniform in [0, jitter]; later runs: uniform in [-jitter/2, +jitter/2]. */
export function drawOffset(jitterMs: number, first: boolean, random: Random): number {
  const u = random.next();
  return Math.round(first ? u * jitterMs : (u - 0.5) * jitterMs);
}

/** Draws the offset once and fixes the run; `startMs` matters only for a first run. */
export function planRun(input: {
  schedule: Schedule;
  zone: string;
  anchorMs: number | null;
  startMs: number;
  random: Random;
}): RunPlan {
  const { schedule, zone, anchorMs } = input;
  const offsetMs = drawOffset(schedule.jitter, anchorMs === null, input.random);
  const baseMs = (anchorMs === null ? input.startMs : addEvery(anchorMs, schedule.every, zone)) + offsetMs;
  const atMs =
    schedule.preferred_window === null ? baseMs : snapToWindow(baseMs, schedule.preferred_window, zone);
  return { anchorMs, offsetMs, baseMs, atMs };
}

/**
 * When the planned run actually happens, seen at `nowMs`: a run missed during downtime is due
 * now (once: there is one plan, not one per missed interval), unless now is outside the
 * window, in which case it waits for the next window to open.
 */
export function effectiveRunAt(plannedMs: number, schedule: Schedule, zone: string, nowMs: number): number {
  const t = Math.max(plannedMs, nowMs);
  return schedule.preferred_window === null ? t : snapToWindow(t, schedule.preferred_window, zone);
}

/** The next run from scratch: plan with the given draw, then look at it from `nowMs`. */
export function nextRunAt(input: {
  schedule: Schedule;
  zone: string;
  lastSuccessMs: number | null;
  startMs: number;
  random: Random;
  nowMs: number;
}): RunPlan & { dueMs: number } {
  const plan = planRun({ ...input, anchorMs: input.lastSuccessMs });
  return { ...plan, dueMs: effectiveRunAt(plan.atMs, input.schedule, input.zone, input.nowMs) };
}

/** What identifies a schedule: a change to any of it (or the zone) replans. */
export function scheduleIdentity(schedule: Schedule, zone: string): string {
  const w = schedule.preferred_window;
  return JSON.stringify({
    every: schedule.every.kind === "fixed" ? schedule.every.ms : "monthly",
    jitter: schedule.jitter,
    window: w === null ? null : [w.start.hour, w.start.minute, w.end.hour, w.end.minute],
    zone,
  });
}
