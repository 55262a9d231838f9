/**
 * Standard Webhooks (standardwebhooks.com; Svix and others): `webhook-signature: v1,<base64>
 * [v1,<base64> ...]` (space-separated), HMAC-SHA256 of `webhook-id + "." + webhook-timestamp +
 * "." + body` under the secret's bytes: the secret is `whsec_<base64>` (the prefix optional, as
 * in the reference libraries). Signatures of other versions (`v1a`, asymmetric) are ignored;
 * any `v1` may match; the timestamp within tolerance both ways.
 */
import {
  base64_32,
  header,
  hmacSha256,
  MAX_SIGNATURES,
  matchSecret,
  outsideTolerance,
  reject,
  unixSeconds,
  verdictOf,
} from "./compare.js";
import type { Provider, Verdict, VerifyInput } from "./types.js";

const SIGNATURE = "webhook-signature";
const ID = "webhook-id";
const TIMESTAMP = "webhook-timestamp";
const PREFIX = "whsec_";
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The key bytes of a `whsec_<base64>` secret, or null when it is not valid base64. */
export function standardKey(secret: string): Buffer | null {
  const text = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret;
  return text !== "" && BASE64.test(text) ? Buffer.from(text, "base64") : null;
}

export const standard: Provider = {
  name: "standard",
  signatureHeader: SIGNATURE,
  alsoSignatureHeaders: [],
  signsTimestamp: true,
  dedupeHeader: ID,
  secretProblem(secret) {
    return standardKey(secret) === null
      ? "expected whsec_ followed by base64 (as the sender shows it); got a value that is not valid base64"
      : null;
  },
  verify(input: VerifyInput): Verdict {
    const value = header(input, SIGNATURE);
    const id = header(input, ID);
    const stamp = header(input, TIMESTAMP);
    if (value === undefined) return reject("missing_header", `${SIGNATURE} missing`);
    if (id === undefined || id === "") return reject("missing_header", `${ID} missing`);
    if (stamp === undefined) return reject("missing_header", `${TIMESTAMP} missing`);
    const tokens = value.trim().split(" ");
    if (tokens.length > MAX_SIGNATURES)
      return reject(
        "too_many_signatures",
        `${SIGNATURE} has ${tokens.length} signatures (at most ${MAX_SIGNATURES})`,
      );
    const given: Buffer[] = [];
    for (const token of tokens) {
      const comma = token.indexOf(",");
      if (comma <= 0)
        return reject("malformed_header", `${SIGNATURE} has an entry that is not version,signature`);
      if (token.slice(0, comma) !== "v1") continue;
      const mac = base64_32(token.slice(comma + 1));
      if (mac === null)
        return reject("malformed_header", `${SIGNATURE} has a v1 that is not the base64 of 32 bytes`);
      given.push(mac);
    }
    if (given.length === 0) return reject("malformed_header", `${SIGNATURE} has no v1 signature`);
    const seconds = unixSeconds(stamp.trim());
    if (seconds === null) return reject("bad_timestamp", `${TIMESTAMP} is not a Unix time in seconds`);
    const verdict = verdictOf(
      // A secret that is not base64 is refused at config load; never reached with null.
      matchSecret(input.secrets, given, (s) =>
        hmacSha256(standardKey(s) ?? s, `${id}.${stamp.trim()}.`, input.body),
      ),
      SIGNATURE,
    );
    return verdict.ok ? (outsideTolerance(seconds, input, TIMESTAMP) ?? verdict) : verdict;
  },
};
