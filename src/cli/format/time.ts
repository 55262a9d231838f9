/**
 * Times for people. Tables use relative times ("3m ago", "in 30s"): what an operator scans a
 * queue for is "how long ago / how soon". Detail views (jobs show, logs) use the stored ISO
 * timestamp, which lines up with the daemon's JSON logs, with the relative time beside it.
 */
const UNITS: [string, number][] = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1000],
];

/** Coarse span: at most two units ("3m12s", "2d4h"), so table columns stay narrow. */
export function span(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(abs)}ms`;
  const parts: string[] = [];
  let rest = abs;
  for (const [unit, size] of UNITS) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    } else if (parts.length > 0) break;
  }
  return parts.join("");
}

/** How long the daemon has been up: "7m48s", "2d4h" (not "up 468s"). */
export function uptime(seconds: number): string {
  return seconds < 1 ? "0s" : span(seconds * 1000);
}

export function relative(iso: string | null, nowMs: number): string {
  if (iso === null) return "-";
  const delta = Date.parse(iso) - nowMs;
  if (Math.abs(delta) < 1000) return "just now";
  return delta < 0 ? `${span(delta)} ago` : `in ${span(delta)}`;
}

/** The exact stored timestamp, with the relative time for orientation. */
export function absolute(iso: string | null, nowMs: number): string {
  return iso === null ? "-" : `${iso} (${relative(iso, nowMs)})`;
}
