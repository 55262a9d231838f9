/** Shared by the schedule tests: schedules in config shape, seeded randomness, UTC instants. */
import type { PreferredWindow, Schedule } from "../../src/config/types.js";
import type { Random } from "../../src/core/clock.js";

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

export function every(ms: number, jitter = 0, window: PreferredWindow | null = null): Schedule {
  return { every: { kind: "fixed", ms, text: `${ms / MIN}m` }, jitter, preferred_window: window };
}

export function monthly(jitter = 0, window: PreferredWindow | null = null): Schedule {
  return { every: { kind: "monthly", text: "monthly" }, jitter, preferred_window: window };
}

/** "06:00" → a window bound. */
export function win(start: string, end: string): PreferredWindow {
  const t = (s: string) => {
    const [h, m] = s.split(":").map(Number);
    return { hour: h as number, minute: m as number };
  };
  return { start: t(start), end: t(end) };
}

/** A deterministic uniform source (mulberry32), for long simulations. */
export function seeded(seed: number): Random & { calls: number } {
  let a = seed >>> 0;
  const r = {
    calls: 0,
    next() {
      r.calls += 1;
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
  return r;
}

export const utc = (iso: string) => Date.parse(iso);
export const iso = (ms: number) => new Date(ms).toISOString();
