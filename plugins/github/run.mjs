#!/usr/bin/env node
// github: turn a GitHub webhook delivery (X-GitHub-Event + JSON body) into a typed event such as
// `github.push` or `github.issue_opened`. See README.md for every type and its payload.
import { KNOWN_EVENTS, mapDelivery } from "./events.mjs";

// The SDK of the Postern running this plugin (POSTERN_SDK, docs/plugin-authoring.md); the
// relative path is this package's own build, for running the file by hand.
const { definePlugin, optionalBoolean, PluginError, webhookOf } = await import(
  process.env.POSTERN_SDK ?? "../../dist/src/sdk/index.js"
);

function notJson(detail) {
  // The same body will never parse: the webhook's settings need changing, not a retry.
  return new PluginError(
    `the webhook body is not JSON (${detail}); set the GitHub webhook's content type to application/json`,
    { retry: false },
  );
}

/** The delivery's JSON: parsed by the listener, or text (form-encoded `payload=` or untyped JSON). */
function body(event, contentType) {
  let value = event.payload;
  if (typeof value === "string") {
    let text = value;
    if ((contentType ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded")) {
      text = new URLSearchParams(value).get("payload") ?? "";
      if (text === "") throw notJson("a form body without a payload field");
    }
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw notJson(e.message);
    }
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw notJson(`expected a JSON object, got ${Array.isArray(value) ? "an array" : String(value)}`);
  return value;
}

/**
 * The GitHub event name: the X-GitHub-Event header, or for a hand-made event without webhook
 * metadata (`postern exec github handle --event ...`) the event's type.
 */
function eventName(event, webhook) {
  const header = webhook?.headers["x-github-event"];
  if (header) return header;
  if (webhook === null && KNOWN_EVENTS.includes(event.type)) return event.type;
  throw new PluginError(
    webhook === null
      ? `no webhook metadata and "${event.type}" is not a GitHub event name (use e.g. "push" as the type to test by hand)`
      : "no X-GitHub-Event header: this delivery did not come from GitHub",
    { retry: false },
  );
}

definePlugin({
  handle(ctx) {
    const { event } = ctx;
    const webhook = webhookOf(event);
    const name = eventName(event, webhook);
    const payload = body(event, webhook?.content_type ?? null);
    const delivery = webhook?.headers["x-github-delivery"] ?? null;
    const mapped = mapDelivery(name, payload);
    if (mapped.skipped !== undefined) {
      ctx.log.info(mapped.skipped);
      return undefined;
    }
    const out = { ...mapped.event, payload: { ...mapped.event.payload, delivery } };
    if (optionalBoolean(ctx.config, "include_raw", false)) out.payload.raw = payload;
    // Redeliveries of one delivery id become one notification downstream.
    if (delivery !== null) out.dedupe_key = `github:${delivery}`;
    ctx.log.info(`${name} → ${out.type}: ${out.payload.title}`);
    return { events: [out] };
  },
});
