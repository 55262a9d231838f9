/**
 * Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]`, HMAC-SHA256 with the endpoint's
 * signing secret (`whsec_...`, used as text) of `t + "." + body`. Any `v1` may match (Stripe
 * sends one per active secret while a secret is rolled); other schemes (`v0`) are ignored, as
 * Stripe's libraries do; `t` within tolerance of now (docs.stripe.com, "Check the webhook
 * signatures").
 */
import {
  anySecret,
  header,
  hex32,
  hmacSha256,
  MAX_SIGNATURES,
  matchSecret,
  outsideTolerance,
  reject,
  unixSeconds,
  verdictOf,
} from "./compare.js";
import type { Provider, Verdict, VerifyInput } from "./types.js";

const NAME = "Stripe-Signature";

export const stripe: Provider = {
  name: "stripe",
  signatureHeader: NAME,
  alsoSignatureHeaders: [],
  signsTimestamp: true,
  dedupeHeader: null,
  secretProblem: anySecret,
  verify(input: VerifyInput): Verdict {
    const value = header(input, NAME.toLowerCase());
    if (value === undefined) return reject("missing_header", `${NAME} missing`);
    const items = value.split(",");
    if (items.length > MAX_SIGNATURES + 1)
      return reject(
        "too_many_signatures",
        `${NAME} has ${items.length} items (at most ${MAX_SIGNATURES + 1})`,
      );
    let stamp: string | null = null;
    const given: Buffer[] = [];
    for (const raw of items) {
      const item = raw.trim();
      const eq = item.indexOf("=");
      if (eq <= 0) return reject("malformed_header", `${NAME} has an item that is not key=value`);
      const key = item.slice(0, eq);
      const text = item.slice(eq + 1);
      if (key === "t") {
        if (stamp !== null) return reject("malformed_header", `${NAME} has more than one t=`);
        stamp = text;
      } else if (key === "v1") {
        const mac = hex32(text);
        if (mac === null) return reject("malformed_header", `${NAME} has a v1 that is not 64 hex digits`);
        given.push(mac);
      }
    }
    if (stamp === null) return reject("malformed_header", `${NAME} has no t=`);
    if (given.length === 0) return reject("malformed_header", `${NAME} has no v1=`);
    const seconds = unixSeconds(stamp);
    if (seconds === null) return reject("bad_timestamp", `${NAME} t= is not a Unix time in seconds`);
    const signedStamp = stamp;
    const verdict = verdictOf(
      matchSecret(input.secrets, given, (s) => hmacSha256(s, `${signedStamp}.`, input.body)),
      NAME,
    );
    return verdict.ok ? (outsideTolerance(seconds, input, `${NAME} t=`) ?? verdict) : verdict;
  },
};
