/**
 * Heartbeats, the dead-man switch (docs/operations.md), as a pure step: Healthchecks.io's model, one
 * "down" and one "up" per incident, never a reminder. The clock starts at the plugin's first
 * evaluation (its first load), so a new plugin is not "missed" at once.
 */
import { formatDuration } from "./units.js";

/** Whole seconds are precise enough for a person reading an alert. */
function ago(ms: number): string {
  return formatDuration(ms >= 1000 ? Math.floor(ms / 1000) * 1000 : ms);
}

export type HeartbeatKind = "success" | "event";

/** Persisted per (plugin, kind). Times are ms. */
export interface HeartbeatState {
  /** When the plugin was first evaluated with this expectation: the clock's start. */
  started_at: number;
  /** The last succeeded job (success) or emitted event (event) seen, or null. */
  last_at: number | null;
  /** When the miss was raised; null while healthy. */
  missed_at: number | null;
}

export interface HeartbeatStep {
  next: HeartbeatState;
  transition: { to: "missed" | "recovered"; reason: string } | null;
}

const WHAT: Record<HeartbeatKind, string> = { success: "no job succeeded", event: "no event emitted" };

export function stepHeartbeat(
  kind: HeartbeatKind,
  state: HeartbeatState | null,
  lastSeen: number | null,
  withinMs: number,
  now: number,
): HeartbeatStep {
  const last = latest(state?.last_at ?? null, lastSeen);
  const current: HeartbeatState = {
    started_at: state?.started_at ?? now,
    last_at: last,
    missed_at: state?.missed_at ?? null,
  };
  const reference = last ?? current.started_at;
  const overdue = now - reference >= withinMs;
  if (current.missed_at === null && overdue) {
    const since =
      last === null ? `since it was first loaded ${ago(now - reference)} ago` : `for ${ago(now - reference)}`;
    return {
      next: { ...current, missed_at: now },
      transition: {
        to: "missed",
        reason: `${WHAT[kind]} ${since} (expected within ${formatDuration(withinMs)})`,
      },
    };
  }
  if (current.missed_at !== null && !overdue) {
    const what = kind === "success" ? "a job succeeded" : "an event was emitted";
    return {
      next: { ...current, missed_at: null },
      transition: {
        to: "recovered",
        reason: `${what} again; missed for ${ago(now - current.missed_at)}`,
      },
    };
  }
  return { next: current, transition: null };
}

function latest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}
