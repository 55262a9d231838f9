/**
 * How the dashboard writes times, durations and long text. Times are UTC (ISO 8601, as the
 * database, the logs and `--json` have them), with a relative hint computed at render time, so
 * a page reads the same whatever the browser's or the service's time zone.
 */
import { type Html, html } from "./html.js";

/** `2026-01-01 12:00:05Z` inside a <time> element; "–" when absent. */
export function utc(iso: string | null, nowMs?: number): Html {
  if (iso === null) return html`<span class="none">–</span>`;
  const shown = `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`;
  const hint = nowMs === undefined ? "" : ago(Date.parse(iso), nowMs);
  return html`<time datetime="${iso}" title="${iso}">${shown}</time>${hint ? html` <span class="rel">(${hint})</span>` : ""}`;
}

/** "12s ago", "in 3h 5m", "now". */
export function ago(atMs: number, nowMs: number): string {
  if (!Number.isFinite(atMs)) return "";
  const d = atMs - nowMs;
  const span = duration(Math.abs(d));
  if (Math.abs(d) < 1000) return "now";
  return d < 0 ? `${span} ago` : `in ${span}`;
}

/** A coarse human duration: 850ms, 12s, 3m 5s, 2h 10m, 4d 3h. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m}m` : `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 === 0 ? `${h}h` : `${h}h ${m % 60}m`;
  const days = Math.floor(h / 24);
  return h % 24 === 0 ? `${days}d` : `${days}d ${h % 24}h`;
}

/** At most `max` characters (code points), with a marker saying how much was cut. */
export function truncate(text: string, max: number): { text: string; cut: number } {
  const chars = Array.from(text);
  if (chars.length <= max) return { text, cut: 0 };
  return { text: chars.slice(0, max).join(""), cut: chars.length - max };
}

/** The short form of a UUIDv7 job id for narrow tables (the full id is in the link and title). */
export function shortId(id: string): string {
  return id.length > 13 ? `${id.slice(0, 8)}…${id.slice(-4)}` : id;
}
