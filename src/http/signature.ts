/**
 * Webhook signatures (docs/webhooks.md step 3): HMAC-SHA256 over the raw body, compared in constant
 * time against every configured secret. The header may be `sha256=<hex>` or bare hex, in
 * either case. Reasons are for the log only: the client gets an empty 403, so it learns
 * nothing about which check failed, and the expected MAC is never echoed anywhere.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

const MAC_BYTES = 32;
const HEX_RE = /^[0-9a-f]+$/i;
const PREFIX = "sha256=";

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/** The 32 MAC bytes a header carries, or why it carries none. */
export function parseSignature(header: string | undefined): Buffer | string {
  if (header === undefined) return "signature header missing";
  let hex = header.trim();
  // Case-insensitive prefix: some senders upper-case the whole value.
  if (hex.slice(0, PREFIX.length).toLowerCase() === PREFIX) hex = hex.slice(PREFIX.length);
  if (hex === "") return "signature header empty";
  if (!HEX_RE.test(hex)) return "signature is not hex";
  // Checked before decoding: Buffer.from(hex) silently drops an odd trailing digit.
  if (hex.length !== MAC_BYTES * 2)
    return `signature has ${hex.length} hex digits, expected ${MAC_BYTES * 2}`;
  return Buffer.from(hex, "hex");
}

export function sign(secret: string, body: Uint8Array): Buffer {
  return createHmac("sha256", secret).update(body).digest();
}

export function verifySignature(
  header: string | undefined,
  body: Uint8Array,
  secrets: readonly string[],
): SignatureCheck {
  const given = parseSignature(header);
  if (typeof given === "string") return { ok: false, reason: given };
  // Every secret is tried even after a match, so the time taken does not reveal which one
  // (or whether an early one) matched. Lengths are equal by construction (32 bytes each).
  let match = false;
  for (const secret of secrets) {
    if (timingSafeEqual(sign(secret, body), given)) match = true;
  }
  return match ? { ok: true } : { ok: false, reason: "signature does not match any configured secret" };
}
