/**
 * GitLab: no signature; `X-Gitlab-Token` carries the secret token itself. Compared by SHA-256
 * digest, so the comparison is constant-time and does not reveal the secret's length.
 */
import { anySecret, header, reject, tokenEquals } from "./compare.js";
import type { Provider, VerifyInput } from "./types.js";

const NAME = "X-Gitlab-Token";

export const gitlab: Provider = {
  name: "gitlab",
  signatureHeader: NAME,
  alsoSignatureHeaders: [],
  signsTimestamp: false,
  dedupeHeader: "X-Gitlab-Event-UUID",
  secretProblem: anySecret,
  verify(input: VerifyInput) {
    const token = header(input, NAME.toLowerCase());
    if (token === undefined) return reject("missing_header", `${NAME} missing`);
    if (token === "") return reject("malformed_header", `${NAME} is empty`);
    let matched = -1;
    input.secrets.forEach((secret, i) => {
      if (tokenEquals(token, secret) && matched === -1) matched = i;
    });
    return matched >= 0
      ? { ok: true, secretIndex: matched }
      : reject("bad_signature", `${NAME} does not equal any configured secret`);
  },
};
