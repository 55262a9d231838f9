/**
 * Shopify: `X-Shopify-Hmac-Sha256` is the **base64** HMAC-SHA256 of the body with the app's
 * client secret (shopify.dev, "Verify webhooks"). Padding optional.
 */
import { anySecret, base64_32, header, hmacSha256, matchSecret, reject, verdictOf } from "./compare.js";
import type { Provider, VerifyInput } from "./types.js";

const NAME = "X-Shopify-Hmac-Sha256";

export const shopify: Provider = {
  name: "shopify",
  signatureHeader: NAME,
  alsoSignatureHeaders: [],
  signsTimestamp: false,
  dedupeHeader: "X-Shopify-Webhook-Id",
  secretProblem: anySecret,
  verify(input: VerifyInput) {
    const value = header(input, NAME.toLowerCase());
    if (value === undefined) return reject("missing_header", `${NAME} missing`);
    const given = base64_32(value.trim());
    if (given === null) return reject("malformed_header", `${NAME} is not the base64 of 32 bytes`);
    return verdictOf(
      matchSecret(input.secrets, [given], (s) => hmacSha256(s, input.body)),
      NAME,
    );
  },
};
