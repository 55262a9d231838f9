/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the body with the webhook's
 * secret (docs.github.com, "Validating webhook deliveries"). The prefix is required; hex in
 * either case.
 */
import { anySecret, header, hex32, hmacSha256, matchSecret, reject, verdictOf } from "./compare.js";
import type { Provider, VerifyInput } from "./types.js";

const NAME = "X-Hub-Signature-256";

export const github: Provider = {
  name: "github",
  signatureHeader: NAME,
  alsoSignatureHeaders: ["X-Hub-Signature"],
  signsTimestamp: false,
  dedupeHeader: "X-GitHub-Delivery",
  secretProblem: anySecret,
  verify(input: VerifyInput) {
    const value = header(input, NAME.toLowerCase());
    if (value === undefined) return reject("missing_header", `${NAME} missing`);
    const text = value.trim();
    if (!text.startsWith("sha256=")) return reject("malformed_header", `${NAME} does not start with sha256=`);
    const given = hex32(text.slice("sha256=".length));
    if (given === null) return reject("malformed_header", `${NAME} is not sha256=<64 hex digits>`);
    return verdictOf(
      matchSecret(input.secrets, [given], (s) => hmacSha256(s, input.body)),
      NAME,
    );
  },
};
