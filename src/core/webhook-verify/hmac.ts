/**
 * `hmac` (the default, docs/webhooks.md): HMAC-SHA256 of the raw body in a configurable header, as
 * `sha256=<hex>` or bare hex, hex and prefix in either case.
 */
import { anySecret, header, hex32, hmacSha256, matchSecret, reject, verdictOf } from "./compare.js";
import type { Provider, VerifyInput } from "./types.js";

const PREFIX = "sha256=";

export const hmac: Provider = {
  name: "hmac",
  signatureHeader: null,
  alsoSignatureHeaders: [],
  signsTimestamp: false,
  dedupeHeader: null,
  secretProblem: anySecret,
  verify(input: VerifyInput) {
    const name = input.signatureHeader;
    const value = header(input, name);
    if (value === undefined) return reject("missing_header", `${name} missing`);
    let text = value.trim();
    // Case-insensitive prefix: some senders upper-case the whole value.
    if (text.slice(0, PREFIX.length).toLowerCase() === PREFIX) text = text.slice(PREFIX.length);
    const given = hex32(text);
    if (given === null)
      return reject("malformed_header", `${name} is not sha256=<64 hex digits> or 64 hex digits`);
    return verdictOf(
      matchSecret(input.secrets, [given], (s) => hmacSha256(s, input.body)),
      name,
    );
  },
};
