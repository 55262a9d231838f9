/**
 * The listener's side of the webhook providers (docs/webhooks.md): the endpoint's verifier applied to
 * a request, the headers a plugin must not see, and the answers a preset gives by itself.
 * The decisions are the pure verifiers in src/core/webhook-verify.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { WebhookEndpoint } from "../config/types.js";
import { PROVIDERS, type Verdict } from "../core/webhook-verify/index.js";

export function verifyDelivery(
  endpoint: WebhookEndpoint,
  headers: IncomingHttpHeaders,
  body: Uint8Array,
  nowMs: number,
): Verdict {
  return PROVIDERS[endpoint.provider].verify({
    headers,
    body,
    secrets: endpoint.secrets,
    nowMs,
    toleranceMs: endpoint.tolerance,
    signatureHeader: endpoint.signature_header.toLowerCase(),
  });
}

/** Headers carrying the signature or the token: left out of the event a plugin receives. */
export function signatureHeaders(endpoint: WebhookEndpoint): string[] {
  return [endpoint.signature_header, ...PROVIDERS[endpoint.provider].alsoSignatureHeaders];
}

/**
 * Slack's `url_verification` (sent when the Request URL is saved) must be answered with its
 * challenge, and is not an event: the preset answers it, after the signature held, and no job
 * is queued.
 */
export function presetAnswer(
  endpoint: WebhookEndpoint,
  payload: unknown,
): { code: number; body: unknown } | null {
  if (endpoint.provider !== "slack" || payload === null || typeof payload !== "object") return null;
  const { type, challenge } = payload as { type?: unknown; challenge?: unknown };
  if (type !== "url_verification" || typeof challenge !== "string") return null;
  return { code: 200, body: { challenge } };
}
