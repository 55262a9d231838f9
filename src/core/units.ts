/**
 * Durations and sizes as written in the config (docs/configuration.md). Pure parsing; no I/O.
 * Durations: 500ms, 30s, 5m, 2h, 1d, 1w and combinations such as 1h30m.
 * Sizes: 512B, 64KB, 1MB, 1GB (1 KB = 1024 bytes).
 */
const DURATION_UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION_RE = /^(?:\d+(?:ms|s|m|h|d|w))+$/;
const DURATION_PART_RE = /(\d+)(ms|s|m|h|d|w)/g;

/** Returns milliseconds, or null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  if (!DURATION_RE.test(text)) return null;
  let total = 0;
  for (const match of text.matchAll(DURATION_PART_RE)) {
    total += Number(match[1]) * (DURATION_UNITS_MS[match[2] as string] as number);
  }
  return Number.isSafeInteger(total) ? total : null;
}

const SIZE_UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };
const SIZE_RE = /^(\d+)(B|KB|MB|GB)$/;

/** Returns bytes, or null when the text is not a size. */
export function parseSize(text: string): number | null {
  const match = SIZE_RE.exec(text);
  if (!match) return null;
  const bytes = Number(match[1]) * (SIZE_UNITS[match[2] as string] as number);
  return Number.isSafeInteger(bytes) ? bytes : null;
}

/** Human form of a duration for messages: 90000 → "1m30s", 500 → "500ms". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0) parts.push(`${rest}ms`);
  return parts.join("");
}
