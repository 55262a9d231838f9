/**
 * How each webhook sender signs a delivery, written from its documentation with node:crypto,
 * independently of src/ (SPEC §17: presets are tested against signatures computed in the test).
 */
import { createHmac } from "node:crypto";
import type { ProviderName } from "../../src/core/webhook-verify/index.js";

export type Headers = Record<string, string>;

export const mac = (key: string | Buffer, data: string | Buffer) =>
  createHmac("sha256", key).update(data).digest();
/** Standard Webhooks: the key is the base64 after `whsec_`. */
export const whsecKey = (secret: string) => Buffer.from(secret.replace(/^whsec_/, ""), "base64");

/** The headers a sender would add for `body`, signed with `secret` at Unix time `t`. */
export const SIGNERS: Record<ProviderName, (secret: string, body: Buffer, t: number) => Headers> = {
  github: (s, b) => ({ "x-hub-signature-256": `sha256=${mac(s, b).toString("hex")}` }),
  gitea: (s, b) => ({ "x-gitea-signature": mac(s, b).toString("hex") }),
  gitlab: (s) => ({ "x-gitlab-token": s }),
  stripe: (s, b, t) => ({
    "stripe-signature": `t=${t},v1=${mac(s, Buffer.concat([Buffer.from(`${t}.`), b])).toString("hex")}`,
  }),
  slack: (s, b, t) => ({
    "x-slack-request-timestamp": String(t),
    "x-slack-signature": `v0=${mac(s, Buffer.concat([Buffer.from(`v0:${t}:`), b])).toString("hex")}`,
  }),
  shopify: (s, b) => ({ "x-shopify-hmac-sha256": mac(s, b).toString("base64") }),
  standard: (s, b, t) => ({
    "webhook-id": "msg_1",
    "webhook-timestamp": String(t),
    "webhook-signature": `v1,${mac(whsecKey(s), Buffer.concat([Buffer.from(`msg_1.${t}.`), b])).toString("base64")}`,
  }),
  hmac: (s, b) => ({ "x-hub-signature-256": mac(s, b).toString("hex") }),
};

/** A secret each provider accepts (Standard Webhooks' is the reference libraries' test key). */
export const PROVIDER_SECRETS: Record<ProviderName, string> = {
  github: "gh secret",
  gitea: "gitea secret",
  gitlab: "gitlab token",
  stripe: "whsec_stripe_is_text_not_base64",
  slack: "8f742231b10e8888abcd99yyyzzz85a5",
  shopify: "shopify client secret",
  standard: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  hmac: "plain secret",
};
