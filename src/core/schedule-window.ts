/**
 * `preferred_window` (docs/scheduling.md): a hard constraint in `service.timezone`. Each local day D has
 * one window: it opens at D's start time and closes at the end time (on D+1 when it crosses
 * midnight). A wall-clock time is turned into an instant by the spec's DST rules: a time that
 * does not exist that day (spring forward) means the first instant after the gap, a repeated
 * one (fall back) its first occurrence. Zone rules come from Luxon, never from our own offsets.
 */
import { DateTime } from "luxon";
import type { PreferredWindow, TimeOfDay } from "./schedule-types.js";

/** Far more than any real gap or overlap: a day's window always lies within a few days of it. */
const SEARCH_DAYS = 8;

/** The instant a wall-clock time on a local date begins, by the DST rules above. */
export function localInstant(date: DateTime, time: TimeOfDay, zone: string): number {
  const wanted = { year: date.year, month: date.month, day: date.day, hour: time.hour, minute: time.minute };
  const dt = DateTime.fromObject(wanted, { zone });
  if (dt.year === wanted.year && dt.month === wanted.month && dt.day === wanted.day) {
    if (dt.hour === wanted.hour && dt.minute === wanted.minute) {
      // Luxon may pick either occurrence of a repeated time; the spec wants the first.
      return Math.min(...dt.getPossibleOffsets().map((p) => p.toMillis()), dt.toMillis());
    }
  }
  // Luxon moved a time inside a gap forward by the gap's size; the gap ends at the offset change.
  return offsetChangeBefore(dt.toMillis(), zone);
}

/** The first instant carrying the zone's offset at `t`, searching back at most a day. */
function offsetChangeBefore(t: number, zone: string): number {
  const offsetAt = (ms: number) => DateTime.fromMillis(ms, { zone }).offset;
  const target = offsetAt(t);
  let lo = t - 86_400_000;
  let hi = t;
  if (offsetAt(lo) === target) return t;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(mid) === target) hi = mid;
    else lo = mid;
  }
  return hi;
}

function crossesMidnight(w: PreferredWindow): boolean {
  return w.end.hour * 60 + w.end.minute <= w.start.hour * 60 + w.start.minute;
}

/** The window of local day `date`: [open, close) as instants; empty when DST swallows it. */
export function windowOn(date: DateTime, w: PreferredWindow, zone: string): { open: number; close: number } {
  const open = localInstant(date, w.start, zone);
  const close = localInstant(crossesMidnight(w) ? date.plus({ days: 1 }) : date, w.end, zone);
  return { open, close };
}

/** `t` itself when it lies inside a window, else the instant the next window opens. */
export function snapToWindow(t: number, w: PreferredWindow, zone: string): number {
  // Start a day early: a window crossing midnight that opened yesterday may still be open.
  const first = DateTime.fromMillis(t, { zone }).startOf("day").minus({ days: 1 });
  for (let i = 0; i <= SEARCH_DAYS; i++) {
    const { open, close } = windowOn(first.plus({ days: i }), w, zone);
    if (open >= close) continue;
    if (t < open) return open;
    if (t < close) return t;
  }
  throw new RangeError(`no preferred_window opening found within ${SEARCH_DAYS} days in ${zone}`);
}

export function inWindow(t: number, w: PreferredWindow, zone: string): boolean {
  return snapToWindow(t, w, zone) === t;
}
