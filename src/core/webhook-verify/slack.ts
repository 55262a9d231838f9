/**
 * Slack: `X-Slack-Signature: v0=<hex>`, HMAC-SHA256 with the signing secret of
 * `"v0:" + X-Slack-Request-Timestamp + ":" + body`; the timestamp within tolerance
 * (api.slack.com, "Verifying requests from Slack").
 */
import {
  anySecret,
  header,
  hex32,
  hmacSha256,
  matchSecret,
  outsideTolerance,
  reject,
  unixSeconds,
  verdictOf,
} from "./compare.js";
import type { Provider, VerifyInput } from "./types.js";

const NAME = "X-Slack-Signature";
const TIMESTAMP = "X-Slack-Request-Timestamp";

export const slack: Provider = {
  name: "slack",
  signatureHeader: NAME,
  alsoSignatureHeaders: [],
  signsTimestamp: true,
  dedupeHeader: null,
  secretProblem: anySecret,
  verify(input: VerifyInput) {
    const value = header(input, NAME.toLowerCase());
    const stamp = header(input, TIMESTAMP.toLowerCase());
    if (value === undefined) return reject("missing_header", `${NAME} missing`);
    if (stamp === undefined) return reject("missing_header", `${TIMESTAMP} missing`);
    const text = value.trim();
    if (!text.startsWith("v0=")) return reject("malformed_header", `${NAME} does not start with v0=`);
    const given = hex32(text.slice(3));
    if (given === null) return reject("malformed_header", `${NAME} is not v0=<64 hex digits>`);
    const seconds = unixSeconds(stamp.trim());
    if (seconds === null) return reject("bad_timestamp", `${TIMESTAMP} is not a Unix time in seconds`);
    const verdict = verdictOf(
      matchSecret(input.secrets, [given], (s) => hmacSha256(s, `v0:${stamp.trim()}:`, input.body)),
      NAME,
    );
    // Signature first: a stale delivery that is genuinely signed says "stale" (a clock problem).
    return verdict.ok ? (outsideTolerance(seconds, input, TIMESTAMP) ?? verdict) : verdict;
  },
};
