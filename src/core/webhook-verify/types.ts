/**
 * One interface for every webhook sender's signature scheme (docs/webhooks.md). A verifier is a pure
 * decision over plain data: the request's headers, its raw body bytes, the configured secrets,
 * the time and the tolerance. It answers which secret matched (by index, for the rotation
 * metric) or why the delivery is refused. A reason is a fixed label (a metrics label set must
 * stay bounded); the detail is for the log. Neither ever holds the expected signature.
 */

export const PROVIDER_NAMES = [
  "github",
  "gitea",
  "gitlab",
  "stripe",
  "slack",
  "shopify",
  "standard",
  "hmac",
] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export const REJECT_REASONS = [
  "missing_header",
  "malformed_header",
  "too_many_signatures",
  "bad_signature",
  "bad_timestamp",
  "stale_timestamp",
  "future_timestamp",
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface VerifyInput {
  /** Header names lower-cased; a repeated header already joined (Node's `req.headers`). */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Uint8Array;
  /** Never empty (config refuses that); index order is the config's order. */
  secrets: readonly string[];
  nowMs: number;
  /** Only read by providers that sign a timestamp. */
  toleranceMs: number;
  /** Only read by `hmac`, whose header is configurable; lower-cased. */
  signatureHeader: string;
}

export type Verdict = { ok: true; secretIndex: number } | { ok: false; reason: RejectReason; detail: string };

export interface Provider {
  readonly name: ProviderName;
  /** The header carrying the signature or token, as the sender spells it (null: configurable). */
  readonly signatureHeader: string | null;
  /** More headers that carry a signature derivative (left out of the event a plugin gets). */
  readonly alsoSignatureHeaders: readonly string[];
  /** Whether the sender signs a timestamp (only then does `tolerance` apply). */
  readonly signsTimestamp: boolean;
  /** The sender's delivery-id header, used for dedupe unless `dedupe_header` says otherwise. */
  readonly dedupeHeader: string | null;
  /** Why a configured secret cannot be a key for this provider, or null (a config error). */
  secretProblem(secret: string): string | null;
  verify(input: VerifyInput): Verdict;
}
