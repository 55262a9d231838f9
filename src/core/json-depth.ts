/**
 * The one nesting limit for JSON entering Postern (a webhook body, a plugin's response, a CLI
 * `--event` or state file), far above any real payload. Past a few thousand levels V8's
 * JSON.stringify runs out of stack (a RangeError, at a depth that depends on the stack in use),
 * so deep documents are refused where they enter, and what the core builds from accepted ones
 * (a request wraps an event or state a few levels deeper) stays far from that edge.
 */
export const MAX_JSON_DEPTH = 128;

/**
 * Nesting depth of a parsed JSON value: 0 for a scalar, 1 for `{}` or `[1]`, 2 for `[[1]]`.
 * Iterative, so measuring a value nested a million levels deep cannot overflow the stack; stops
 * as soon as it has seen more than `stopAbove` levels (the caller only needs to know "too deep").
 */
export function jsonDepth(value: unknown, stopAbove = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, above] = stack.pop() as [unknown, number];
    if (typeof v !== "object" || v === null) continue;
    const depth = above + 1;
    if (depth > deepest) {
      deepest = depth;
      if (deepest > stopAbove) return deepest;
    }
    const children = Array.isArray(v) ? v : Object.values(v);
    for (const child of children) {
      if (typeof child === "object" && child !== null) stack.push([child, depth]);
    }
  }
  return deepest;
}

export function tooDeep(value: unknown, limit = MAX_JSON_DEPTH): boolean {
  return jsonDepth(value, limit) > limit;
}

export const TOO_DEEP_MARK = `[nested deeper than ${MAX_JSON_DEPTH} levels: not shown]`;

/**
 * JSON.stringify for values that may predate the limit (a job stored by an older version): a
 * value within the limit is serialised as is; a deeper one has everything past the limit
 * replaced by TOO_DEEP_MARK, so showing it can never throw a RangeError.
 */
export function stringifyBounded(value: unknown, space?: number): string {
  return JSON.stringify(tooDeep(value) ? pruned(value, 0) : value, null, space);
}

// Recursion bounded by MAX_JSON_DEPTH: it never goes deeper than the limit.
function pruned(value: unknown, depth: number): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return value;
  if (depth >= MAX_JSON_DEPTH) return TOO_DEEP_MARK;
  if (Array.isArray(value)) return value.map((v) => pruned(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    Object.defineProperty(out, k, {
      value: pruned(v, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
