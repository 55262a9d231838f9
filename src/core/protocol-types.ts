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

/** What a webhook event says about the HTTP request it came from (docs/webhooks.md). */
export interface WebhookContext {
  path: string;
  /** Lower-cased names, repeated fields joined with ", "; without the signature header. */
  headers: Record<string, string>;
  query: Record<string, string | string[]>;
  content_type: string | null;
}

/**
 * The event a `handle` request carries, one type from the wire to the plugin: a webhook builds
 * it (with `webhook`), a route builds it from an emitted event, `run --event` from the CLI; the
 * job stores it as its payload.
 */
export interface RequestEvent {
  event_id: string;
  type: string;
  payload: unknown;
  source: string;
  timestamp: string;
  dedupe_key?: string | null | undefined;
  webhook?: WebhookContext | undefined;
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
