/**
 * The shapes of protocol v1 (docs/design.md, "Protocol") that the decisions read, as plain
 * types. The validator in src/protocol/ defines the same shapes as zod schemas and checks at
 * compile time that the two agree, so they cannot drift.
 */

export type LogLevelName = "debug" | "info" | "warn" | "error";

export interface LogEntry {
  level: LogLevelName;
  message: string;
}

/** The event a `handle` request carries (and a routed or webhook job stores as its payload). */
export interface RequestEvent {
  event_id: string;
  type: string;
  payload: unknown;
  source: string;
  timestamp: string;
  dedupe_key?: string | null | undefined;
  webhook?: unknown;
}

export interface ResponseEvent {
  type: string;
  payload?: unknown;
  dedupe_key?: string | null | undefined;
}

export interface PluginResponse {
  protocol?: 1 | undefined;
  status: "ok" | "error";
  error?: string | null | undefined;
  retry?: boolean | undefined;
  events?: ResponseEvent[] | undefined;
  state_updates?: Record<string, unknown> | undefined;
  state_replace?: boolean | undefined;
  logs?: LogEntry[] | undefined;
}

export type ParsedResponse = { ok: true; response: PluginResponse } | { ok: false; error: string };
