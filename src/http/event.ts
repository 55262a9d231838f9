/**
 * The event a webhook becomes (docs/webhooks.md step 5). Pure: the listener hands in what it read, so
 * the exact shape a plugin receives is tested without a socket.
 */

import type { WebhookEndpoint } from "../config/types.js";
import { isoUtc } from "../core/clock.js";
import { MAX_JSON_DEPTH, tooDeep } from "../core/json-depth.js";
import type { RequestEvent, WebhookContext } from "../core/protocol-types.js";
import { isJsonMediaType } from "./content-type.js";

/** A webhook's event: the protocol's event with the request it came from. */
export type WebhookEvent = RequestEvent & { webhook: WebhookContext };

/**
 * Header names lower-cased, repeated fields joined with ", " (RFC 9110 §5.3), in arrival order.
 * Built from the raw list because Node's `req.headers` silently drops repeats of some fields.
 * The signature header(s) are left out: a credential derivative (or, for GitLab, the token
 * itself) a plugin has no use for.
 */
export function eventHeaders(
  rawHeaders: readonly string[],
  signatureHeader: string | readonly string[],
): Record<string, string> {
  const skip = new Set(
    (typeof signatureHeader === "string" ? [signatureHeader] : signatureHeader).map((h) => h.toLowerCase()),
  );
  const joined = new Map<string, string>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    if (skip.has(name)) continue;
    const value = rawHeaders[i + 1] as string;
    const seen = joined.get(name);
    joined.set(name, seen === undefined ? value : `${seen}, ${value}`);
  }
  // fromEntries defines own properties, so a "__proto__" header stays data.
  return Object.fromEntries(joined);
}

/** A key given once is a string, a repeated key an array of its values in order. */
export function eventQuery(search: string): Record<string, string | string[]> {
  const out = new Map<string, string | string[]>();
  for (const [key, value] of new URLSearchParams(search)) {
    const seen = out.get(key);
    if (seen === undefined) out.set(key, value);
    else if (Array.isArray(seen)) seen.push(value);
    else out.set(key, [seen, value]);
  }
  return Object.fromEntries(out);
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** `answer` is what the sender is told; `reason` (which may quote the parser) is only logged. */
export type DecodedBody = { ok: true; payload: unknown } | { ok: false; reason: string; answer: string };

const NOT_JSON = "body does not parse as JSON";

/**
 * JSON content types must parse (and be valid UTF-8, RFC 8259 §8.1; a BOM is ignored).
 * Anything else is passed on as text; bytes that are not UTF-8 become U+FFFD.
 */
export function decodeBody(body: Buffer, mediaType: string | null): DecodedBody {
  if (!isJsonMediaType(mediaType)) return { ok: true, payload: body.toString("utf8") };
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    return { ok: false, reason: "JSON body is not valid UTF-8", answer: NOT_JSON };
  }
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: `JSON body does not parse: ${(e as Error).message}`, answer: NOT_JSON };
  }
  // A client error, and a permanent one: refused here rather than failing later in enqueue's
  // serialisation (a 500 the sender would retry forever).
  if (tooDeep(payload)) {
    const answer = `JSON body nests deeper than ${MAX_JSON_DEPTH} levels`;
    return { ok: false, reason: answer, answer };
  }
  return { ok: true, payload };
}

/** `webhook:<path>:<value>` when the endpoint names a dedupe header and it came non-empty. */
export function dedupeKey(endpoint: WebhookEndpoint, headers: Record<string, string>): string | null {
  if (endpoint.dedupe_header === null) return null;
  const name = endpoint.dedupe_header.toLowerCase();
  const value = Object.hasOwn(headers, name) ? headers[name] : undefined;
  return value === undefined || value === "" ? null : `webhook:${endpoint.path}:${value}`;
}

export function buildEvent(input: {
  eventId: string;
  endpoint: WebhookEndpoint;
  nowMs: number;
  payload: unknown;
  headers: Record<string, string>;
  search: string;
  contentType: string | undefined;
}): WebhookEvent {
  const { endpoint } = input;
  return {
    event_id: input.eventId,
    type: endpoint.event_type,
    source: `webhook:${endpoint.path}`,
    timestamp: isoUtc(input.nowMs),
    payload: input.payload,
    webhook: {
      path: endpoint.path,
      headers: input.headers,
      query: eventQuery(input.search),
      content_type: input.contentType ?? null,
    },
  };
}
