/**
 * Wording of validation messages: every message says what was expected and what was received
 * (ARCHITECTURE §9), in the operator's terms (YAML mappings and lists, not JS objects).
 */
import type { z } from "zod";

const MAX_SHOWN = 60;

/** "expected X; got Y", or, when the key is absent, that it is required. */
export function expectedGot(expected: string, input: unknown): string {
  return input === undefined
    ? `missing required key (expected ${expected})`
    : `expected ${expected}; got ${describeValue(input)}`;
}

/** How a received value is shown in a message: `"5 minutes"`, `42`, `a list`, `nothing`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null (an empty value)";
  if (typeof value === "string") {
    const shown = JSON.stringify(value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value);
    return value === "" ? "an empty string" : shown;
  }
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  if (Array.isArray(value)) return value.length === 0 ? "an empty list" : "a list";
  if (typeof value === "object") return "a mapping";
  return typeof value;
}

/** The kind of a value without the value itself: `a number`, `a list`. */
export function kindOf(value: unknown): string {
  if (value === null) return "null (an empty value)";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "boolean") return "true/false";
  return `a ${typeof value}`;
}

const EXPECTED: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  object: "a mapping",
  record: "a mapping",
  array: "a list",
  null: "null",
};

/** YAML 1.1 spellings that YAML 1.2 reads as strings (the "Norway problem"). */
const YAML11_BOOLEANS = new Set(["yes", "no", "y", "n", "on", "off"]);

type RawIssue = z.core.$ZodRawIssue;

function received(issue: RawIssue): string {
  // zod drops non-finite numbers from `input` and names them in `received` instead.
  const named = (issue as { received?: unknown }).received;
  if (typeof named === "string" && issue.input === null) return named;
  return describeValue(issue.input);
}

function bound(issue: RawIssue, direction: "min" | "max"): string {
  const value = direction === "min" ? issue["minimum"] : issue["maximum"];
  const inclusive = issue["inclusive"] !== false;
  const op = direction === "min" ? (inclusive ? ">=" : ">") : inclusive ? "<=" : "<";
  switch (issue["origin"]) {
    case "string":
      return direction === "min" && value === 1
        ? `expected a non-empty string; got ${received(issue)}`
        : `expected a string of length ${op} ${String(value)}; got ${received(issue)}`;
    case "array":
      return direction === "min" && value === 1
        ? `expected a non-empty list; got ${received(issue)}`
        : `expected a list with ${op} ${String(value)} items; got ${received(issue)}`;
    default:
      return `expected a number ${op} ${String(value)}; got ${received(issue)}`;
  }
}

/**
 * Per-parse error map: used for every issue whose schema does not word its own message
 * (schema-level messages take precedence in zod, so field helpers can be more specific).
 */
export function issueMessage(issue: RawIssue): string {
  switch (issue.code) {
    case "invalid_type": {
      const expected = EXPECTED[String(issue.expected)] ?? String(issue.expected);
      if (issue.input === undefined) return expectedGot(expected, undefined);
      const hint =
        issue.expected === "boolean" &&
        typeof issue.input === "string" &&
        YAML11_BOOLEANS.has(issue.input.toLowerCase())
          ? " (YAML 1.2 reads yes/no/on/off as strings; write true or false)"
          : "";
      return `expected ${expected}; got ${received(issue)}${hint}`;
    }
    case "too_small":
      return bound(issue, "min");
    case "too_big":
      return bound(issue, "max");
    case "invalid_value": {
      const values = (issue["values"] as unknown[] | undefined) ?? [];
      return `expected one of ${values.map((v) => JSON.stringify(v)).join(", ")}; got ${received(issue)}`;
    }
    case "invalid_union":
      return `expected a JSON value (string, number, true/false, null, list or mapping); got ${received(issue)}`;
    case "unrecognized_keys":
      return "unknown key";
    default:
      return `invalid value ${received(issue)}`;
  }
}
