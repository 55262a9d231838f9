/**
 * The circuit breaker per (plugin, command) as a reducer (docs/scheduling.md). Counting happens where an
 * attempt commits; time-driven steps (half-open after reset_after) happen at the scheduler's
 * tick; `postern reset` closes. Every step goes through `reduceBreaker`, so the rules live in
 * one place and a status reader can apply the same time step without writing anything.
 */

export type BreakerState = "closed" | "open" | "half_open";

export interface Breaker {
  state: BreakerState;
  /** Consecutive failed or timed-out attempts. */
  failures: number;
  /** When it last opened (ms); kept while half-open, so "open since" stays visible. */
  openedAt: number | null;
}

export type BreakerEvent =
  | { type: "success"; at: number }
  /** `threshold` is absent where the config is unknown (crash recovery): it then only counts. */
  | { type: "failure"; at: number; threshold?: number }
  | { type: "tick"; at: number; threshold: number; resetAfterMs: number }
  | { type: "reset"; at: number };

export interface BreakerStep {
  next: Breaker;
  /** Set when the state changed: what to log and record as the reason. */
  transition: { from: BreakerState; to: BreakerState; reason: string } | null;
}

export const CLOSED: Breaker = { state: "closed", failures: 0, openedAt: null };

export function reduceBreaker(b: Breaker, ev: BreakerEvent): BreakerStep {
  switch (ev.type) {
    case "success":
      return to(b, CLOSED, "an attempt succeeded");
    case "reset":
      return to(b, CLOSED, "postern reset");
    case "failure": {
      const failures = b.failures + 1;
      if (b.state === "half_open") {
        return to(b, { state: "open", failures, openedAt: ev.at }, "the trial attempt failed");
      }
      if (b.state === "closed" && failures >= (ev.threshold ?? Number.POSITIVE_INFINITY)) {
        return to(b, { state: "open", failures, openedAt: ev.at }, `${failures} consecutive failures`);
      }
      return to(b, { ...b, failures }, "");
    }
    case "tick":
      // Catches a count that reached the threshold without opening (crash recovery counted it,
      // or a reload lowered the threshold).
      if (b.state === "closed" && b.failures >= ev.threshold) {
        return to(b, { ...b, state: "open", openedAt: ev.at }, `${b.failures} consecutive failures`);
      }
      if (b.state === "open" && ev.at >= (b.openedAt ?? ev.at) + ev.resetAfterMs) {
        return to(b, { ...b, state: "half_open" }, "reset_after elapsed");
      }
      return { next: b, transition: null };
  }
}

function to(from: Breaker, next: Breaker, reason: string): BreakerStep {
  return {
    next,
    transition: from.state === next.state ? null : { from: from.state, to: next.state, reason },
  };
}

/** When an open circuit turns half-open, or null when it is not open. */
export function halfOpensAt(b: Breaker, resetAfterMs: number): number | null {
  return b.state === "open" && b.openedAt !== null ? b.openedAt + resetAfterMs : null;
}
