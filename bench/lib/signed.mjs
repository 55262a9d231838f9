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
