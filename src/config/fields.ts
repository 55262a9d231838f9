/**
 * Field schemas shared by the config schema. Each one is a string in YAML, validated and turned
 * into what the program uses, with a message that shows the expected form and what it got.
 * They are `pipe(string, transform)`, so the JSON Schema (input side) still says "string".
 */
import { isIPv4, isIPv6 } from "node:net";
import { IANAZone } from "luxon";
import { z } from "zod";
import { MAX_TIMER_MS } from "../core/clock.js";
import { formatDuration, parseDuration, parseSize } from "../core/units.js";
import { describeValue, expectedGot, kindOf } from "./messages.js";
import type { Every, ListenAddress, TimeOfDay } from "./types.js";

/**
 * Upper bound for durations that become Node timers (MAX_TIMER_MS, about 24.8 days), rounded
 * down to whole days so the message stays readable ("at most 24d").
 */
export const MAX_TIMER_DURATION_MS = Math.floor(MAX_TIMER_MS / 86_400_000) * 86_400_000;

/**
 * A string field whose own type error names the expected form instead of "a string". The
 * description feeds the JSON Schema for editor hints. No `pattern` there on purpose: the file
 * is checked after `${VAR}` interpolation, so `every: ${EVERY:-6h}` is valid and an editor
 * must not flag it.
 */
function stringOf(expected: string) {
  return z.string({ error: (issue) => expectedGot(expected, issue.input) }).meta({ description: expected });
}

/** Records "expected X; got Y" on a transform's input; the transform's result is then discarded. */
function refuse(ctx: z.core.$RefinementCtx, expected: string, text: string): never {
  ctx.addIssue({ code: "custom", input: text, message: `expected ${expected}; got ${describeValue(text)}` });
  return z.NEVER;
}

const DURATION_FORM = "a duration like 30s, 5m, 1h30m";

export function duration(limits: { min?: number; max?: number } = {}) {
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = limits;
  return stringOf(DURATION_FORM).transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === null) {
      return refuse(ctx, DURATION_FORM, text);
    }
    if (ms < min || ms > max) {
      const range =
        ms >= min
          ? `of at most ${formatDuration(max)}`
          : min <= 1
            ? "greater than 0"
            : `of at least ${formatDuration(min)}`;
      return refuse(ctx, `a duration ${range}`, text);
    }
    return ms;
  });
}

const SIZE_FORM = "a size like 512B, 64KB, 1MB";

export function size(limits: { min?: number } = {}) {
  const { min = 0 } = limits;
  return stringOf(SIZE_FORM).transform((text, ctx) => {
    const bytes = parseSize(text);
    if (bytes === null || bytes < min) {
      const expected = bytes === null ? SIZE_FORM : `a size of at least ${min}B`;
      return refuse(ctx, expected, text);
    }
    return bytes;
  });
}

const EVERY_KEYWORDS: Record<string, number> = {
  hourly: 3_600_000,
  daily: 86_400_000,
  weekly: 604_800_000,
};
const MIN_EVERY_MS = 60_000;
const EVERY_FORM = "hourly, daily, weekly, monthly or a duration of at least 1m (like 5m, 6h)";

export const every = stringOf(EVERY_FORM).transform((text, ctx): Every => {
  if (text === "monthly") return { kind: "monthly", text };
  const ms = EVERY_KEYWORDS[text] ?? parseDuration(text);
  if (ms === null || ms === undefined || ms < MIN_EVERY_MS) {
    return refuse(ctx, EVERY_FORM, text);
  }
  return { kind: "fixed", ms, text };
});

const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;
const TIME_FORM = 'a time "HH:MM" (24 h, 00:00 to 23:59)';

export const timeOfDay = stringOf(TIME_FORM).transform((text, ctx): TimeOfDay => {
  const match = TIME_RE.exec(text);
  if (!match) {
    return refuse(ctx, TIME_FORM, text);
  }
  return { hour: Number(match[1]), minute: Number(match[2]) };
});

export const timezone = stringOf('"local" or an IANA time zone like Europe/Oslo').refine(
  (text) => text === "local" || IANAZone.isValidZone(text),
  {
    error: (issue) =>
      `expected "local" or an IANA time zone like Europe/Oslo; got ${describeValue(issue.input)}`,
  },
);

const LISTEN_RE = /^(?:\[([^\]]+)\]|([^:[\]\s]+)):(\d{1,5})$/;
const HOSTNAME_RE =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const LISTEN_FORM = "host:port like 127.0.0.1:8081, localhost:8081 or [::1]:8081";

function validHost(bracketed: string | undefined, plain: string | undefined): string | null {
  if (bracketed !== undefined) return isIPv6(bracketed) ? bracketed : null;
  if (plain === undefined) return null;
  // All-numeric names are meant as IPv4 addresses: 999.1.1.1 must not pass as a hostname.
  if (/^[\d.]+$/.test(plain)) return isIPv4(plain) ? plain : null;
  return HOSTNAME_RE.test(plain) ? plain : null;
}

export const listen = stringOf(LISTEN_FORM).transform((text, ctx): ListenAddress => {
  const match = LISTEN_RE.exec(text);
  const host = match ? validHost(match[1], match[2]) : null;
  const port = match ? Number(match[3]) : Number.NaN;
  if (host === null || !(port >= 0 && port <= 65_535)) {
    return refuse(ctx, LISTEN_FORM, text);
  }
  return { host, port };
});

/** Non-empty text; used for names, event types and plugin references. */
export function text(what = "a non-empty string") {
  return stringOf(what).min(1, { error: `expected ${what}; got an empty string` });
}

/** Letters, digits, `_ . -`, not starting with `.`: safe as a directory name, CLI argument and log field. */
export const PLUGIN_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const pluginName = stringOf("a plugin name").regex(PLUGIN_NAME_RE, {
  error: (issue) =>
    `expected a plugin name (letters, digits, "_", "." or "-", not starting with "." or "-"); got ${describeValue(issue.input)}`,
});

const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const envName = stringOf("an environment variable name").refine(
  (name) => ENV_NAME_RE.test(name) && !name.startsWith("POSTERN_"),
  {
    error: (issue) =>
      typeof issue.input === "string" && issue.input.startsWith("POSTERN_")
        ? `POSTERN_* variables are set by the core and cannot be overridden; got ${describeValue(issue.input)}`
        : `expected an environment variable name like API_URL; got ${describeValue(issue.input)}`,
  },
);
export const envValue = stringOf("a string (quote numbers and booleans)").refine(
  (value) => !value.includes("\0"),
  {
    error: "an environment value cannot contain a NUL character",
  },
);

/** RFC 9110 token: what a header name may contain. */
const HEADER_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
export const headerName = stringOf("an HTTP header name").regex(HEADER_RE, {
  error: (issue) =>
    `expected an HTTP header name like X-Hub-Signature-256; got ${describeValue(issue.input)}`,
});

/**
 * Paths the core serves itself: /healthz, /metrics and the dashboard (/, /plugins,
 * /plugins/<name>, /jobs, /jobs/<id>, /assets/<file>). Reserved whether or not the dashboard is
 * enabled, so switching it on never turns a valid config into an invalid one.
 */
const RESERVED_PATHS = new Set(["/", "/healthz", "/metrics", "/plugins", "/jobs"]);
const RESERVED_PREFIXES = ["/plugins/", "/jobs/", "/assets/"];
export function isReservedPath(path: string): boolean {
  return RESERVED_PATHS.has(path) || RESERVED_PREFIXES.some((p) => path.startsWith(p));
}
const RESERVED_TEXT =
  "/, /healthz, /metrics, /plugins, /jobs and paths under /plugins/, /jobs/ and /assets/ are served by the core: pick another path, like /hook/<name>";
// Matching is exact, so a query, fragment or whitespace would make the endpoint unreachable.
const ENDPOINT_PATH_RE = /^\/[^\s?#]*$/;
export const endpointPath = stringOf('a path starting with "/"').refine(
  (path) => ENDPOINT_PATH_RE.test(path) && !isReservedPath(path),
  {
    error: (issue) =>
      typeof issue.input === "string" && isReservedPath(issue.input)
        ? `${describeValue(issue.input)} is reserved (${RESERVED_TEXT})`
        : `expected a path starting with "/" without spaces, "?" or "#", like /hook/github; got ${describeValue(issue.input)}`,
  },
);

/** Messages name the kind of a wrong secret, never its value: problems end up in logs. */
export const secret = z
  .string({
    error: (issue) =>
      issue.input === undefined
        ? "missing required key (expected a non-empty secret)"
        : `expected a non-empty secret (a string); got ${kindOf(issue.input)}`,
  })
  .min(1, { error: "expected a non-empty secret; got an empty string" })
  .meta({
    description:
      "the secret the sender signs with (or its token); interpolate it from the environment or use secret_file to keep it out of the file",
  });

/** A path in the file; made absolute against the config file's directory after validation. */
export const filePath = text("a path").refine((path) => !path.startsWith("~") && !path.includes("\0"), {
  error: (issue) =>
    `expected a path (absolute, or relative to the config file's directory; "~" is not expanded, use \${HOME}); got ${describeValue(issue.input)}`,
});
