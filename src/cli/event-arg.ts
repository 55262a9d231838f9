/**
 * `--event JSON|@file` (docs/jobs.md, "The operator commands"): an event `{type, payload?, dedupe_key?}` given inline or read
 * from a file. The core fills in event_id, source and timestamp, as it does for routed events.
 */
import { v7 as uuidv7 } from "uuid";
import { isoUtc } from "../core/clock.js";
import { PosternError } from "../core/errors.js";
import type { RequestEvent } from "../protocol/messages.js";
import { readJsonArg } from "./commands/args.js";

export interface EventInput {
  type: string;
  payload: unknown;
  dedupe_key: string | null;
}

export function parseEventArg(arg: string): EventInput {
  const where = arg.startsWith("@") ? arg.slice(1) : "--event";
  const value = readJsonArg(arg, "--event");
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new PosternError(
      "event_invalid",
      `${where} must be a JSON object like {"type": "alert", "payload": {...}}`,
      {
        exitCode: 2,
      },
    );
  }
  const v = value as Record<string, unknown>;
  if (typeof v.type !== "string" || v.type === "") {
    throw new PosternError("event_invalid", `${where}: "type" must be a non-empty string`, { exitCode: 2 });
  }
  if (v.dedupe_key !== undefined && v.dedupe_key !== null && typeof v.dedupe_key !== "string") {
    throw new PosternError("event_invalid", `${where}: "dedupe_key" must be a string`, { exitCode: 2 });
  }
  return {
    type: v.type,
    payload: v.payload ?? null,
    dedupe_key: (v.dedupe_key as string | undefined) ?? null,
  };
}

export function cliEvent(input: EventInput, nowMs: number): RequestEvent {
  return {
    event_id: uuidv7(),
    type: input.type,
    payload: input.payload,
    source: "cli",
    timestamp: isoUtc(nowMs),
    dedupe_key: input.dedupe_key,
  };
}
