/**
 * One consistent view of the configuration and the loaded plugins. A job runs with the
 * snapshot it started with; a reload (later) swaps in a new one for new work.
 */
import { checkAgainstPlugins, loadConfig } from "../config/index.js";
import type { Config } from "../config/types.js";
import { PosternError } from "../core/errors.js";
import { discoverInRoots, pluginRegistry, searchRoots } from "../plugins/index.js";
import type { LoadedPlugin, PluginListing } from "../plugins/types.js";

export interface Runtime {
  config: Config;
  listings: PluginListing[];
  registry: Map<string, LoadedPlugin>;
  /** Configured, enabled and loaded: the plugins that may run and receive routed events. */
  enabledPlugins: Set<string>;
}

export function loadRuntime(file: string, env: Record<string, string | undefined>): Runtime {
  const loaded = loadConfig(file, env);
  if (!loaded.ok) {
    throw new PosternError("config_invalid", `${file} is invalid; not starting:`, {
      problems: loaded.errors,
    });
  }
  const config = loaded.config;
  const listings = discoverInRoots(searchRoots(config.plugins_dirs));
  const problems = checkAgainstPlugins(config, listings);
  if (problems.length > 0) {
    throw new PosternError("config_invalid", `${file} does not match the plugins found; not starting:`, {
      problems,
    });
  }
  const registry = pluginRegistry(listings);
  const enabledPlugins = new Set(
    Object.entries(config.plugins)
      .filter(([name, pc]) => pc.enabled && registry.has(name))
      .map(([name]) => name),
  );
  return { config, listings, registry, enabledPlugins };
}

/** Why jobs of a plugin may not run under this runtime, or null when they may. */
export function pluginUnavailableReason(runtime: Runtime, plugin: string): string | null {
  const pc = runtime.config.plugins[plugin];
  if (!pc) return "plugin removed";
  if (!pc.enabled) return "plugin disabled";
  if (!runtime.registry.has(plugin)) return "plugin not loaded";
  return null;
}
