/**
 * Reading a plugin's config with errors an operator can act on. A wrong config never fixes
 * itself, so every problem here is a ConfigError: exit 78, not retried.
 */
import { ConfigError } from "./errors.js";
import type { JsonObject } from "./types.js";

function where(key: string): string {
  return `config.${key}`;
}

export function optionalString(config: JsonObject, key: string): string | undefined {
  const value = config[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new ConfigError(`${where(key)} must be a string`);
  return value;
}

export function requireString(config: JsonObject, key: string): string {
  const value = optionalString(config, key);
  if (value === undefined || value === "")
    throw new ConfigError(`${where(key)} is required (set it under plugins.<name>.config in postern.yaml)`);
  return value;
}

export function optionalBoolean(config: JsonObject, key: string, fallback: boolean): boolean {
  const value = config[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "boolean") throw new ConfigError(`${where(key)} must be true or false`);
  return value;
}

export function optionalInteger(
  config: JsonObject,
  key: string,
  fallback: number,
  bounds: { min: number; max: number },
): number {
  const value = config[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < bounds.min || value > bounds.max)
    throw new ConfigError(`${where(key)} must be a whole number from ${bounds.min} to ${bounds.max}`);
  return value;
}

export function optionalStringMap(config: JsonObject, key: string): Record<string, string> {
  const value = config[key];
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value))
    throw new ConfigError(`${where(key)} must be a mapping of names to strings`);
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    if (typeof v !== "string") throw new ConfigError(`${where(key)}.${name} must be a string`);
    out[name] = v;
  }
  return out;
}

/** `key` (one string) or `listKey` (a list of strings), at least one entry in all. */
export function stringList(config: JsonObject, key: string, listKey: string): string[] {
  const one = optionalString(config, key);
  const many = config[listKey];
  const out = one === undefined || one === "" ? [] : [one];
  if (many !== undefined && many !== null) {
    if (!Array.isArray(many) || many.some((v) => typeof v !== "string" || v === ""))
      throw new ConfigError(`${where(listKey)} must be a list of non-empty strings`);
    out.push(...(many as string[]));
  }
  if (out.length === 0) throw new ConfigError(`give ${where(key)} or ${where(listKey)} (a list)`);
  return [...new Set(out)];
}
