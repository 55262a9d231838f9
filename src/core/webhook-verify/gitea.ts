/**
 * Gitea and Forgejo: bare hex HMAC-SHA256 of the body in `X-Gitea-Signature`; Forgejo sends
 * the same value as `X-Forgejo-Signature` too. The Forgejo header is read when present, else
 * the Gitea one.
 */
import { anySecret, header, hex32, hmacSha256, matchSecret, reject, verdictOf } from "./compare.js";
import type { Provider, VerifyInput } from "./types.js";

const GITEA = "X-Gitea-Signature";
const FORGEJO = "X-Forgejo-Signature";

export const gitea: Provider = {
  name: "gitea",
  signatureHeader: GITEA,
  alsoSignatureHeaders: [FORGEJO, "X-Gogs-Signature"],
  signsTimestamp: false,
  dedupeHeader: "X-Gitea-Delivery",
  secretProblem: anySecret,
  verify(input: VerifyInput) {
    const forgejo = header(input, FORGEJO.toLowerCase());
    const name = forgejo === undefined ? GITEA : FORGEJO;
    const value = forgejo ?? header(input, GITEA.toLowerCase());
    if (value === undefined) return reject("missing_header", `${GITEA} (or ${FORGEJO}) missing`);
    const given = hex32(value.trim());
    if (given === null) return reject("malformed_header", `${name} is not 64 hex digits`);
    return verdictOf(
      matchSecret(input.secrets, [given], (s) => hmacSha256(s, input.body)),
      name,
    );
  },
};
