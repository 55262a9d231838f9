// Signed webhook requests as GitHub sends them: HMAC-SHA256 of the raw body in a header.
import { createHmac } from "node:crypto";

export const SECRET = "bench secret";

/** A GitHub-sized delivery: about 1 KB of JSON. `extra` makes bodies distinct. */
export function deliveryBody(extra = {}) {
  return JSON.stringify({
    action: "opened",
    number: 42,
    repository: { full_name: "octo/postern", private: false, default_branch: "main" },
    sender: { login: "octocat", id: 1, type: "User" },
    pull_request: { title: "Make the front door fast", body: "x".repeat(700), draft: false },
    ...extra,
  });
}

export function signedHeaders(body, secret = SECRET) {
  return {
    "content-type": "application/json",
    "x-github-event": "pull_request",
    "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
  };
}

/**
 * The same delivery signed as a provider preset's sender signs it (SPEC §17), to compare a
 * preset's ingress with the default hmac. Timestamped schemes are signed once, at `nowS`: a
 * bench run is far shorter than the 5 minute tolerance.
 */
export const PRESETS = ["github", "gitea", "stripe", "slack", "shopify"];

export function presetHeaders(provider, body, nowS = Math.floor(Date.now() / 1000), secret = SECRET) {
  const mac = (data) => createHmac("sha256", secret).update(data);
  const base = { "content-type": "application/json" };
  switch (provider) {
    case "github":
      return { ...base, "x-hub-signature-256": `sha256=${mac(body).digest("hex")}` };
    case "gitea":
      return { ...base, "x-gitea-signature": mac(body).digest("hex") };
    case "stripe":
      return { ...base, "stripe-signature": `t=${nowS},v1=${mac(`${nowS}.${body}`).digest("hex")}` };
    case "slack":
      return {
        ...base,
        "x-slack-request-timestamp": String(nowS),
        "x-slack-signature": `v0=${mac(`v0:${nowS}:${body}`).digest("hex")}`,
      };
    case "shopify":
      return { ...base, "x-shopify-hmac-sha256": mac(body).digest("base64") };
    default:
      throw new Error(`no bench signer for provider ${provider} (one of ${PRESETS.join(", ")})`);
  }
}
