/**
 * What the scheduler does with one plugin at one instant, and why (docs/scheduling.md): enqueue its poll,
 * wait, or skip a due run for a stated reason. The tick acts on it and `status` shows it, so
 * "why didn't it run?" always has the answer the scheduler itself used.
 */

import { type Breaker, halfOpensAt } from "./breaker.js";
import type { RunPlan } from "./schedule.js";
import { effectiveRunAt } from "./schedule.js";
import type { Schedule } from "./schedule-types.js";
import { formatDuration } from "./units.js";

export interface RunFacts {
  nowMs: number;
  zone: string;
  schedule: Schedule;
  plan: RunPlan;
  /** The poll enqueued for this plan while it is still queued or running, else null. */
  runJobId: string | null;
  /** Polls already enqueued for this plan that ended without a success. */
  failedPolls: number;
  /** paused: `postern pause` holds the plugin or its poll (docs/operations.md). */
  plugin: { enabled: boolean; loaded: boolean; hasPoll: boolean; healthy: boolean; paused?: boolean };
  /** The (plugin, poll) breaker, after the time step of this instant. */
  breaker: Breaker;
  resetAfterMs: number;
  /** Queued + running polls of the plugin, whoever submitted them. */
  outstandingPolls: number;
  maxOutstandingPolls: number;
}

export type SkipKind =
  | "disabled"
  | "not_loaded"
  | "no_poll"
  | "unhealthy"
  | "paused"
  | "window"
  | "circuit_open"
  | "half_open"
  | "poll_guard";

export type RunDecision =
  | { action: "enqueue"; trial: boolean; reason: string }
  /** Nothing is due; `atMs` is when something will be (null: not while this holds). */
  | { action: "wait"; atMs: number | null; reason: string }
  /** A due run that is not enqueued now. */
  | { action: "skip"; skip: SkipKind; atMs: number | null; reason: string };

export function decideRun(f: RunFacts): RunDecision {
  const { nowMs, plan } = f;
  if (f.runJobId !== null)
    return { action: "wait", atMs: null, reason: `poll ${f.runJobId} is queued or running` };
  const dueByTime = plan.atMs <= nowMs;
  const blocked = blocker(f);
  if (blocked !== null) {
    return dueByTime
      ? { action: "skip", skip: blocked.kind, atMs: null, reason: blocked.reason }
      : { action: "wait", atMs: null, reason: blocked.reason };
  }

  const reopen = halfOpensAt(f.breaker, f.resetAfterMs);
  if (reopen !== null) {
    const atMs = effectiveRunAt(Math.max(plan.atMs, reopen), f.schedule, f.zone, nowMs);
    const reason = `circuit open until ${localTime(reopen, f.zone, nowMs)}`;
    return dueByTime
      ? { action: "skip", skip: "circuit_open", atMs, reason }
      : { action: "wait", atMs, reason };
  }

  // A plan is inside its window when made (planRun), so a future one needs no zone work: the
  // tick stays cheap however many plugins wait.
  const atMs = dueByTime ? effectiveRunAt(plan.atMs, f.schedule, f.zone, nowMs) : plan.atMs;
  if (atMs > nowMs) {
    if (dueByTime) {
      return {
        action: "skip",
        skip: "window",
        atMs,
        reason: `next run ${localTime(atMs, f.zone, nowMs)} (window)`,
      };
    }
    return { action: "wait", atMs, reason: planReason(f) };
  }

  const n = f.outstandingPolls;
  const polls = `${n} poll${n === 1 ? "" : "s"} outstanding`;
  if (f.breaker.state === "half_open" && n > 0) {
    return {
      action: "skip",
      skip: "half_open",
      atMs: null,
      reason: `circuit half-open: trial poll waits, ${polls}`,
    };
  }
  if (n >= f.maxOutstandingPolls) {
    return { action: "skip", skip: "poll_guard", atMs: null, reason: `poll guard: ${polls}` };
  }
  const trial = f.breaker.state === "half_open";
  return { action: "enqueue", trial, reason: trial ? "circuit half-open: trial poll" : runKind(f) };
}

function blocker(f: RunFacts): { kind: SkipKind; reason: string } | null {
  if (!f.plugin.enabled) return { kind: "disabled", reason: "plugin disabled" };
  if (!f.plugin.loaded) return { kind: "not_loaded", reason: "plugin not loaded" };
  if (!f.plugin.hasPoll) return { kind: "no_poll", reason: "manifest has no poll command" };
  if (f.plugin.paused === true) return { kind: "paused", reason: "paused (postern resume to run it again)" };
  if (!f.plugin.healthy) return { kind: "unhealthy", reason: "plugin unhealthy (init pending or failed)" };
  return null;
}

function runKind(f: RunFacts): string {
  if (f.failedPolls > 0) {
    return `run again: ${f.failedPolls} poll${f.failedPolls === 1 ? "" : "s"} for it ended without success`;
  }
  if (f.plan.anchorMs === null) return "first run";
  // A run more than one interval late was missed (downtime): it runs once, now.
  const late = f.nowMs - f.plan.atMs;
  return late > (f.schedule.every.kind === "fixed" ? f.schedule.every.ms : 28 * 86_400_000)
    ? `missed run, ${approx(late)} late`
    : "scheduled";
}

function planReason(f: RunFacts): string {
  const { plan, zone, nowMs } = f;
  if (plan.atMs !== plan.baseMs) return `next run ${localTime(plan.atMs, zone, nowMs)} (window)`;
  if (plan.anchorMs === null) return `first run: start + ${approx(plan.offsetMs)} jitter`;
  const sign = plan.offsetMs < 0 ? "-" : "+";
  return (
    `${f.schedule.every.text} after the last success at ${localTime(plan.anchorMs, zone, nowMs)}, ` +
    `jitter ${sign}${approx(Math.abs(plan.offsetMs))}`
  );
}

/** For people: to the second, two units at most ("3m59s", "6d23h"). */
function approx(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds === 0) return "0s";
  return formatDuration(seconds * 1000).match(/^\d+[a-z]+(\d+[a-z]+)?/)?.[0] ?? "0s";
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** Wall-clock parts in the zone; Intl (the same tz database), cached: reasons are built per tick. */
function parts(ms: number, zone: string): Record<string, string> {
  let f = formats.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-CA", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formats.set(zone, f);
  }
  return Object.fromEntries(f.formatToParts(ms).map((p) => [p.type, p.value]));
}

/** "14:32" on the same local day as now, else "2026-03-08 14:32", in the service zone. */
export function localTime(ms: number, zone: string, nowMs: number): string {
  const t = parts(ms, zone);
  const now = parts(nowMs, zone);
  // Seconds only when they matter (short reset_after values, tests): "14:32:05".
  const clock =
    t.second === "00" && ms % 1000 === 0 ? `${t.hour}:${t.minute}` : `${t.hour}:${t.minute}:${t.second}`;
  const sameDay = t.year === now.year && t.month === now.month && t.day === now.day;
  return sameDay ? clock : `${t.year}-${t.month}-${t.day} ${clock}`;
}
