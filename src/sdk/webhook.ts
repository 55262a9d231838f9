/** The webhook metadata of an event, when the webhook listener received it (docs/webhooks.md). */
import type { RequestEvent, WebhookInfo } from "./types.js";

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Null for events from a route or the CLI, which carry no webhook metadata. */
export function webhookOf(event: RequestEvent): WebhookInfo | null {
  // Read defensively: the event arrived as JSON from whoever ran the plugin.
  const w: unknown = event.webhook;
  if (!isObject(w)) return null;
  const headers: Record<string, string> = {};
  if (isObject(w.headers)) {
    for (const [name, value] of Object.entries(w.headers)) {
      if (typeof value === "string") headers[name.toLowerCase()] = value;
      else if (Array.isArray(value)) headers[name.toLowerCase()] = value.join(", ");
    }
  }
  return {
    path: typeof w.path === "string" ? w.path : "",
    headers,
    query: isObject(w.query) ? (w.query as WebhookInfo["query"]) : {},
    content_type: typeof w.content_type === "string" ? w.content_type : null,
  };
}
