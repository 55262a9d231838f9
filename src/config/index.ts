/** Public API of the configuration loader (docs/configuration.md). */
export { checkAgainstPlugins, withPluginSecretFiles } from "./check.js";
export {
  type ConfigFileInput,
  type ConfigFileOutput,
  configFileSchema,
  configJsonSchema,
  DEFAULTS,
} from "./definition.js";
export { type Env, type InterpolationProblem, interpolate } from "./interpolate.js";
export { configLine, type LoadResult, loadConfig } from "./load.js";
export { formatPath, type KeyPath } from "./paths.js";
export { checkStateDir } from "./state-dir.js";
export type {
  Config,
  Every,
  ListenAddress,
  LogLevel,
  PluginConfig,
  PreferredWindow,
  Route,
  Schedule,
  TimeOfDay,
  WebhookEndpoint,
} from "./types.js";
