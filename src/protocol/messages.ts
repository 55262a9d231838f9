/**
 * Protocol v1 (docs/plugins.md): the request the core writes to a plugin's stdin and the response it
 * reads back. These zod schemas are the one definition: the validator below and the JSON
 * Schemas shipped in schemas/ are both derived from them.
 */
import { z } from "zod";
import type { LogEntry, PluginResponse, RequestEvent, ResponseEvent } from "../core/protocol-types.js";

export const PROTOCOL_VERSION = 1;
export const MAX_EVENTS_PER_RESPONSE = 1000;

const jsonObject = z.record(z.string(), z.unknown());

export const requestEventSchema = z.object({
  event_id: z.string(),
  type: z.string(),
  payload: z.unknown(),
  source: z.string(),
  timestamp: z.string(),
  dedupe_key: z.string().nullable().optional(),
  webhook: z
    .object({
      path: z.string(),
      headers: z.record(z.string(), z.string()),
      query: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
      content_type: z.string().nullable(),
    })
    .optional(),
});

export const requestSchema = z.object({
  protocol: z.literal(PROTOCOL_VERSION),
  job_id: z.string(),
  command: z.enum(["poll", "handle", "health", "init"]),
  attempt: z.number().int().min(1),
  config: jsonObject,
  state: jsonObject,
  event: requestEventSchema.optional(),
  deadline_at: z.string(),
});

export const responseEventSchema = z.object({
  type: z.string().min(1, "event type must be a non-empty string"),
  payload: z.unknown().optional(),
  dedupe_key: z.string().min(1).nullable().optional(),
});

export const logEntrySchema = z.object({
  level: z.enum(["debug", "info", "warn", "error"]),
  message: z.string(),
});

// Unknown fields are ignored (z.object strips them), as the spec requires.
export const responseSchema = z.object({
  protocol: z.literal(PROTOCOL_VERSION).optional(),
  status: z.enum(["ok", "error"]),
  error: z.string().nullable().optional(),
  retry: z.boolean().optional(),
  events: z.array(responseEventSchema).max(MAX_EVENTS_PER_RESPONSE).optional(),
  state_updates: jsonObject.optional(),
  state_replace: z.boolean().optional(),
  logs: z.array(logEntrySchema).optional(),
});

export type PluginRequest = z.infer<typeof requestSchema>;
export type { LogEntry, PluginResponse, RequestEvent, ResponseEvent };

// The decisions in src/core read these shapes as plain types; the schemas above must produce
// exactly them (a mismatch in either direction fails the build).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemasMatchCoreTypes: [
  Same<z.infer<typeof requestEventSchema>, RequestEvent>,
  Same<z.infer<typeof responseEventSchema>, ResponseEvent>,
  Same<z.infer<typeof logEntrySchema>, LogEntry>,
  Same<z.infer<typeof responseSchema>, PluginResponse>,
] = [true, true, true, true];
void schemasMatchCoreTypes;

export function requestJsonSchema(): unknown {
  return z.toJSONSchema(requestSchema, { io: "input" });
}

export function responseJsonSchema(): unknown {
  return z.toJSONSchema(responseSchema, { io: "input" });
}
