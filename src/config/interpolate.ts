/**
 * `${VAR}` interpolation over an already-parsed value tree (docs/configuration.md). Only string values are
 * rewritten, never keys, and a substituted value is never scanned again: an environment
 * variable's content therefore cannot inject YAML or another reference.
 *
 * Forms: `${NAME}`, `${NAME:-default}` (default when NAME is unset or empty, as in POSIX sh and
 * Docker Compose; the default is literal text up to the first `}`), `$${` for a literal `${`.
 * Any other `${...}` is an error rather than literal text, because it is almost always a typo.
 */
import type { KeyPath, PathProblem } from "./paths.js";

export type InterpolationProblem = PathProblem;

export type Env = Readonly<Record<string, string | undefined>>;

// `$${` escape | reference with optional `:-default` | an unterminated or malformed `${`.
const TOKEN_RE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{[^}]*\}?/g;

function interpolateString(text: string, env: Env, path: KeyPath, problems: InterpolationProblem[]): string {
  if (!text.includes("${")) return text;
  return text.replace(TOKEN_RE, (match: string, name?: string, fallback?: string) => {
    if (match === "$${") return "${";
    if (name !== undefined) {
      const value = env[name];
      if (fallback !== undefined) return value === undefined || value === "" ? fallback : value;
      if (value === undefined) {
        problems.push({
          path,
          message: `environment variable ${name} is not set (write \${${name}:-default} for a default)`,
        });
        return match;
      }
      return value;
    }
    const what = match.endsWith("}") ? `invalid reference "${match}"` : `unterminated reference "${match}"`;
    problems.push({
      path,
      message: `${what}: expected \${NAME} or \${NAME:-default} (write $\${ for a literal \${)`,
    });
    return match;
  });
}

/**
 * Returns a copy of `value` with every string interpolated, and the problems found. Keys are
 * copied as own properties (a `__proto__` key stays data), and a value that contains itself (a
 * recursive YAML alias) is reported and replaced by null instead of looping forever.
 */
export function interpolate(value: unknown, env: Env): { value: unknown; problems: InterpolationProblem[] } {
  const problems: InterpolationProblem[] = [];
  const ancestors = new Set<object>();

  const walk = (node: unknown, path: KeyPath): unknown => {
    if (typeof node === "string") return interpolateString(node, env, path, problems);
    if (node === null || typeof node !== "object") return node;
    if (ancestors.has(node)) {
      problems.push({ path, message: "a value may not contain itself (recursive alias)" });
      return null;
    }
    ancestors.add(node);
    try {
      if (Array.isArray(node)) return node.map((item, index) => walk(item, [...path, index]));
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(node)) {
        Object.defineProperty(out, key, {
          value: walk(child, [...path, key]),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    } finally {
      ancestors.delete(node);
    }
  };

  return { value: walk(value, []), problems };
}
