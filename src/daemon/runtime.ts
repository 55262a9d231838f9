import { checkAgainstPlugins, loadConfig, withPluginSecretFiles } from "../config/index.js";
import type { Runtime } from "../contracts/runtime.js";
import { PosternError } from "../core/errors.js";
import { deadReason } from "../core/lifecycle.js";
import { discoverPlugins, pluginRegistry, resolvePluginsDir } from "../plugins/index.js";

export function loadRuntime(file: string, env: Record<string, string | undefined>): Runtime {
  const loaded = loadConfig(file, env);
  if (!loaded.ok) {
    throw new PosternError("config_invalid", `${file} is invalid; not starting:`, {
      problems: loaded.errors,
    });
  }
  const pluginsDirReal = resolvePluginsDir(loaded.config.plugins_dir);
  const listings = discoverPlugins(loaded.config.plugins_dir);
  const { config, problems, warnings } = withPluginSecretFiles(loaded.config, listings);
  problems.push(...checkAgainstPlugins(config, listings));
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
  return {
    config,
    listings,
    registry,
    pluginsDirReal,
    enabledPlugins,
    warnings: [...loaded.warnings, ...warnings],
  };
}

/** Why jobs of a plugin may not run under this runtime, or null when they may. */
export function pluginUnavailableReason(runtime: Runtime, plugin: string): string | null {
  const pc = runtime.config.plugins[plugin];
  const dead = deadReason({ configured: pc !== undefined, enabled: pc?.enabled ?? false });
  return dead ?? (runtime.registry.has(plugin) ? null : "plugin not loaded");
}

export type { Runtime };
