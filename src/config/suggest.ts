/**
 * "Did you mean" for unknown keys: finds the keys the schema allows at a path and the closest
 * one to the typo, so `tick: 60s` points at `tick_interval` instead of only saying "unknown".
 */
import { z } from "zod";
import { configFileSchema } from "./definition.js";
import type { KeyPath } from "./paths.js";

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (;;) {
    if (
      current instanceof z.ZodPrefault ||
      current instanceof z.ZodOptional ||
      current instanceof z.ZodDefault
    ) {
      current = current.unwrap();
    } else if (current instanceof z.ZodPipe) current = current.in;
    else return current;
  }
}

/** Keys a strict object at `path` allows, or [] when the path does not lead to one. */
export function allowedKeys(path: KeyPath): string[] {
  let schema = unwrap(configFileSchema);
  for (const segment of path) {
    if (schema instanceof z.ZodObject) {
      const child = (schema.shape as Record<string, z.core.$ZodType>)[String(segment)];
      if (child === undefined) return [];
      schema = unwrap(child);
    } else if (schema instanceof z.ZodRecord) schema = unwrap(schema.valueType);
    else if (schema instanceof z.ZodArray) schema = unwrap(schema.element);
    else return [];
  }
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(
        Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

export function unknownKeyMessage(path: KeyPath, key: string): string {
  const allowed = allowedKeys(path);
  if (key === "<<")
    return 'unknown key "<<" (YAML merge keys are not supported; repeat the keys or use an alias)';
  const close = allowed
    .map((candidate) => ({ candidate, d: distance(key.toLowerCase(), candidate) }))
    .filter(
      ({ candidate, d }) =>
        d <= 2 || (key.length > 1 && (candidate.startsWith(key.toLowerCase()) || key.startsWith(candidate))),
    )
    .sort((x, y) => x.d - y.d)[0];
  if (close !== undefined) return `unknown key "${key}"; did you mean "${close.candidate}"?`;
  return allowed.length > 0
    ? `unknown key "${key}"; expected one of: ${allowed.join(", ")}`
    : `unknown key "${key}"`;
}
