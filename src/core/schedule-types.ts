/** What a plugin's `schedule:` block resolves to; the config loader produces it, the schedule decisions read it. */

/**
 * `schedule.every`. `monthly` stays a calendar rule (one calendar month, clamped to the month's
 * last day, docs/scheduling.md), because no fixed number of milliseconds means "monthly". Every other form,
 * including `hourly`, `daily` (24 h) and `weekly` (7 d), is a fixed interval. `text` is the
 * spelling from the file, for status output.
 */
export type Every = { kind: "fixed"; ms: number; text: string } | { kind: "monthly"; text: "monthly" };

/** A wall-clock time of day in `service.timezone`. */
export interface TimeOfDay {
  hour: number;
  minute: number;
}

/** May cross midnight (`end` before `start`); `start` never equals `end`. */
export interface PreferredWindow {
  start: TimeOfDay;
  end: TimeOfDay;
}

export interface Schedule {
  every: Every;
  /** Width of the jitter range in ms: offsets are drawn from [-jitter/2, +jitter/2]. */
  jitter: number;
  preferred_window: PreferredWindow | null;
}
