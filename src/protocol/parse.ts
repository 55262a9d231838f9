/**
 * The one validator for what a plugin printed (docs/plugins.md, "Response (stdout)"). Anything but exactly one JSON
 * object of the right shape is a protocol error, described precisely enough that a plugin
 * author can fix it from the message alone.
 */

import type { z } from "zod";
import { describe } from "../core/errors.js";
import { MAX_JSON_DEPTH, tooDeep } from "../core/json-depth.js";
import type { ParsedResponse } from "../core/protocol-types.js";
import { MAX_EVENTS_PER_RESPONSE, responseSchema } from "./messages.js";

export type { ParsedResponse };

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function parseResponse(stdout: Uint8Array): ParsedResponse {
  let text: string;
  try {
    text = utf8.decode(stdout);
  } catch {
    return { ok: false, error: "stdout is not valid UTF-8" };
  }
  const trimmed = text.trim();
  if (trimmed === "") return { ok: false, error: "no response on stdout (expected one JSON object)" };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (e) {
    const detail = describe(e);
    const hint = trimmed.startsWith("{") ? " (exactly one JSON object, nothing after it)" : "";
    return { ok: false, error: `stdout is not one JSON object${hint}: ${detail}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const kind = Array.isArray(value) ? "an array" : value === null ? "null" : `a ${typeof value}`;
    return { ok: false, error: `response must be a JSON object, got ${kind}` };
  }
  // Checked before anything walks or re-serialises the response (zod, the state merge, the
  // events' rows): those recurse and would overflow on a deep enough document.
  if (tooDeep(value)) {
    return {
      ok: false,
      error: `response nests deeper than ${MAX_JSON_DEPTH} levels (the limit for JSON entering Postern); flatten state_updates and event payloads`,
    };
  }
  return validateResponse(value);
}

export function validateResponse(value: unknown): ParsedResponse {
  if (typeof value === "object" && value !== null && "protocol" in value) {
    const protocol = (value as { protocol: unknown }).protocol;
    if (protocol !== 1) return { ok: false, error: `response protocol ${JSON.stringify(protocol)} is not 1` };
  }
  const result = responseSchema.safeParse(value);
  if (result.success) {
    // zod rebuilds records and drops a `__proto__` key; state keys are data (docs/jobs.md, "Plugin state"), so the
    // validated shape keeps the original object.
    const raw = (value as { state_updates?: Record<string, unknown> }).state_updates;
    if (raw !== undefined) result.data.state_updates = raw;
    return { ok: true, response: result.data };
  }
  return { ok: false, error: describeIssues(result.error.issues) };
}

function describeIssues(issues: z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, 5).map((issue) => {
    const path = issue.path.map(String).join(".");
    const message =
      issue.code === "too_big" && issue.path.join(".") === "events"
        ? `at most ${MAX_EVENTS_PER_RESPONSE} events per response`
        : issue.message;
    return path === "" ? message : `${path}: ${message}`;
  });
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : "";
  return `invalid response: ${shown.join("; ")}${more}`;
}
