/**
 * Time and randomness are injected everywhere a decision depends on them, so tests are exact.
 * `now()` is wall-clock (for timestamps and schedules); `monotonic()` is for deadlines and
 * durations, which a wall-clock change must not fire or stretch.
 */
export interface Clock {
  /** Wall-clock milliseconds since the epoch. */
  now(): number;
  /** Monotonic milliseconds (arbitrary origin). */
  monotonic(): number;
}

/** Uniform random number in [0, 1). */
export interface Random {
  next(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

export const systemRandom: Random = { next: () => Math.random() };

/** A clock tests move by hand. */
export class FakeClock implements Clock {
  private wall: number;
  private mono = 0;
  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.wall = startMs;
  }
  now(): number {
    return this.wall;
  }
  monotonic(): number {
    return this.mono;
  }
  advance(ms: number): void {
    this.wall += ms;
    this.mono += ms;
  }
  /** Moves only the wall clock, as an operator or NTP would. */
  setWall(ms: number): void {
    this.wall = ms;
  }
}

/** A Random that replays the given draws in order (then repeats the last one). */
export function sequenceRandom(draws: number[]): Random {
  let i = 0;
  return {
    next: () => {
      const value = draws[Math.min(i, draws.length - 1)] ?? 0;
      i += 1;
      return value;
    },
  };
}

/** ISO 8601 UTC with milliseconds, the one timestamp format Postern stores and prints. */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString();
}

/** Node fires a `setTimeout` longer than 2^31−1 ms after 1 ms: never arm a timer longer than this. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
