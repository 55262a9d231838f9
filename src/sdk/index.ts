/**
 * The plugin author kit: `import { definePlugin } from "postern/plugin"` (or, inside this
 * repository's plugins/, a relative import of dist/src/sdk/index.js). See
 * docs/plugin-authoring.md.
 */
export {
  optionalBoolean,
  optionalInteger,
  optionalString,
  optionalStringMap,
  requireString,
  stringList,
} from "./config.js";
export { definePlugin } from "./define.js";
export {
  ConfigError,
  DeadlineError,
  EX_CONFIG,
  EX_DATAERR,
  EX_TEMPFAIL,
  fail,
  PluginError,
  type PluginErrorOptions,
} from "./errors.js";
export {
  DEFAULT_MAX_BYTES,
  type FetchOptions,
  type FetchResult,
  fetchBounded,
  httpError,
  sourceUrl,
} from "./http.js";
export { respond } from "./respond.js";
export type {
  Command,
  Context,
  HandleContext,
  Handlers,
  JsonObject,
  LogEntry,
  Logger,
  Outcome,
  PluginOptions,
  PluginRequest,
  PluginResult,
  RequestEvent,
  ResponseEvent,
  WebhookInfo,
} from "./types.js";
export { webhookOf } from "./webhook.js";
