import type { Config } from "../config/types.js";
import type { Problem } from "../core/errors.js";
import type { LoadedPlugin, PluginListing } from "../plugins/types.js";

/**
 * One consistent view of the configuration and the loaded plugins. A job runs with the
 * snapshot it started with; a reload swaps in a new one for new work.
 */
export interface Runtime {
  config: Config;
  listings: PluginListing[];
  registry: Map<string, LoadedPlugin>;
  /** Configured, enabled and loaded: the plugins that may run and receive routed events. */
  enabledPlugins: Set<string>;
  /** What loading the config warned about (logged at start and at each reload). */
  warnings?: Problem[];
}
