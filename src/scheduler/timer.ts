import { MAX_TIMER_MS } from "../core/clock.js";

/**
 * How long the scheduler sleeps. Node fires a setTimeout longer than 2^31−1 ms after 1 ms, so a
 * monthly plugin armed directly would poll in a tight loop; and a timer measured on the
 * monotonic clock drifts from the wall clock across a suspend or a clock change. So the
 * scheduler never sleeps longer than one tick and re-reads the stored wall-clock times on
 * every wake: a due run starts within a tick, once.
 */

export function sleepFor(nowMs: number, wakeAtMs: number | null, tickMs: number): number {
  const until = wakeAtMs === null ? tickMs : wakeAtMs - nowMs;
  return Math.min(MAX_TIMER_MS, tickMs, Math.max(1, until));
}
