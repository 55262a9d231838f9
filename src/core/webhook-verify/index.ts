/** The webhook providers by name (docs/webhooks.md); docs/webhooks.md has one section per provider. */
import { gitea } from "./gitea.js";
import { github } from "./github.js";
import { gitlab } from "./gitlab.js";
import { hmac } from "./hmac.js";
import { shopify } from "./shopify.js";
import { slack } from "./slack.js";
import { standard } from "./standard.js";
import { stripe } from "./stripe.js";
import type { Provider, ProviderName } from "./types.js";

export const PROVIDERS: Readonly<Record<ProviderName, Provider>> = {
  github,
  gitea,
  gitlab,
  stripe,
  slack,
  shopify,
  standard,
  hmac,
};

export { MAX_SIGNATURES } from "./compare.js";
export { standardKey } from "./standard.js";
export * from "./types.js";
