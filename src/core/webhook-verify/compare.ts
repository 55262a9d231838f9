/**
 * The pieces every verifier shares: HMAC-SHA256, strict decoding of the signature text, the
 * constant-time comparison and the timestamp window. Kept in one place so that there is one
 * comparison to audit: `timingSafeEqual` after a length check, over every candidate and every
 * secret (no early exit), so the time taken says nothing about which secret or signature matched.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { RejectReason, Verdict, VerifyInput } from "./types.js";

/** SHA-256 output. */
export const MAC_BYTES = 32;
/**
 * At most this many signatures in one header are looked at; a header with more is refused
 * before any HMAC is computed (bounded work: a sender rotating keys sends two or three).
 */
export const MAX_SIGNATURES = 16;

const HEX_64 = /^[0-9a-fA-F]{64}$/;
// 32 bytes: 43 base64 characters, then one "=" of padding (accepted with or without it).
const BASE64_32 = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=?$/;

export function hmacSha256(key: string | Uint8Array, ...parts: (string | Uint8Array)[]): Buffer {
  const mac = createHmac("sha256", key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** 64 hex digits (either case) → 32 bytes, else null. Checked first: Buffer.from drops bad digits. */
export function hex32(text: string): Buffer | null {
  return HEX_64.test(text) ? Buffer.from(text, "hex") : null;
}

/** Standard base64 of 32 bytes, with or without its padding, else null. */
export function base64_32(text: string): Buffer | null {
  return BASE64_32.test(text) ? Buffer.from(text, "base64") : null;
}

/** Equal-length buffers compared in constant time; different lengths are unequal (and say so at once). */
export function macEquals(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Compares every candidate with the MAC of every secret; the index of the first secret that
 * any candidate matches, or -1. All pairs are compared whatever matched.
 */
export function matchSecret(
  secrets: readonly string[],
  candidates: readonly Uint8Array[],
  macOf: (secret: string) => Uint8Array,
): number {
  let matched = -1;
  for (let i = 0; i < secrets.length; i += 1) {
    const expected = macOf(secrets[i] as string);
    let hit = false;
    for (const candidate of candidates) if (macEquals(expected, candidate)) hit = true;
    if (hit && matched === -1) matched = i;
  }
  return matched;
}

/** A token (GitLab) equal to a secret, by comparing SHA-256 digests: constant time, length hidden. */
export function tokenEquals(token: string, secret: string): boolean {
  return timingSafeEqual(
    createHash("sha256").update(token).digest(),
    createHash("sha256").update(secret).digest(),
  );
}

export function header(input: VerifyInput, name: string): string | undefined {
  const value = input.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

export function reject(reason: RejectReason, detail: string): Verdict {
  return { ok: false, reason, detail };
}

export function verdictOf(index: number, what: string): Verdict {
  return index >= 0
    ? { ok: true, secretIndex: index }
    : reject("bad_signature", `${what} does not match any configured secret`);
}

const UNIX_SECONDS = /^\d{1,12}$/;

/** Unix seconds as the sender wrote them, or null when they are not a plain non-negative integer. */
export function unixSeconds(text: string): number | null {
  return UNIX_SECONDS.test(text) ? Number(text) : null;
}

/** Null when `seconds` is within tolerance of now, else the refusal (stale or from the future). */
export function outsideTolerance(seconds: number, input: VerifyInput, what: string): Verdict | null {
  const skewMs = input.nowMs - seconds * 1000;
  const limit = `tolerance ${Math.round(input.toleranceMs / 1000)} s`;
  if (skewMs > input.toleranceMs)
    return reject("stale_timestamp", `${what} is ${Math.round(skewMs / 1000)} s old (${limit})`);
  if (-skewMs > input.toleranceMs)
    return reject("future_timestamp", `${what} is ${Math.round(-skewMs / 1000)} s in the future (${limit})`);
  return null;
}

/** Any non-empty string is an HMAC key (the config already refuses empty ones). */
export function anySecret(): string | null {
  return null;
}
