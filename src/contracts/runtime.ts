import { v7 as uuidv7 } from "uuid";
import type { Config } from "../config/types.js";
import type { Problem } from "../core/errors.js";
import type { AlertSettings } from "../core/system-events.js";
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

/** What raising a system event needs from the snapshot (docs/operations.md): routes, targets, interval. */
export function alertSettingsOf(
  runtime: Pick<Runtime, "config" | "enabledPlugins">,
  newId: () => string = uuidv7,
): AlertSettings {
  const { config } = runtime;
  return {
    routes: config.routes,
    enabledPlugins: runtime.enabledPlugins,
    maxAttemptsFor: (p) => config.plugins[p]?.retry.max_attempts ?? 4,
    maxRouteDepth: config.service.max_route_depth,
    newId,
    minIntervalMs: config.alerts.min_interval,
  };
}
