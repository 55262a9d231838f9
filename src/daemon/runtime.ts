/**
 * One consistent view of the configuration and the loaded plugins. A job runs with the
 * snapshot it started with; a reload (later) swaps in a new one for new work.
 */
import { checkAgainstPlugins, loadConfig } from "../config/index.js";
import type { Config } from "../config/types.js";
import { PosternError } from "../core/errors.js";
import { discoverPlugins, pluginRegistry, resolvePluginsDir } from "../plugins/index.js";
import type { LoadedPlugin, PluginListing } from "../plugins/types.js";

export interface Runtime {
  config: Config;
  listings: PluginListing[];
  registry: Map<string, LoadedPlugin>;
  pluginsDirReal: string;
  /** Configured, enabled and loaded: the plugins that may run and receive routed events. */
  enabledPlugins: Set<string>;
}

/**
 * A start refuses ("not starting"); a reload is rejected while the daemon runs on. An unset
 * `${VAR}` at a reload is about the daemon's environment, fixed when it started, not the shell
 * that ran `postern reload` (where `config check` may well pass): the problem says so.
 */
export function loadRuntime(
  file: string,
  env: Record<string, string | undefined>,
  purpose: "start" | "reload" = "start",
): Runtime {
  const loaded = loadConfig(file, env);
  if (!loaded.ok) {
    const problems =
      purpose === "start"
        ? loaded.errors
        : loaded.errors.map((p) => ({ ...p, message: daemonEnvMessage(p.message) }));
    throw new PosternError(
      "config_invalid",
      purpose === "start"
        ? `${file} is invalid; not starting:`
        : `${file} is invalid for the running daemon:`,
      { problems },
    );
  }
  const config = loaded.config;
  const pluginsDirReal = resolvePluginsDir(config.plugins_dir);
  const listings = discoverPlugins(config.plugins_dir);
  const problems = checkAgainstPlugins(config, listings);
  if (problems.length > 0) {
    throw new PosternError(
      "config_invalid",
      `${file} does not match the plugins found${purpose === "start" ? "; not starting" : ""}:`,
      { problems },
    );
  }
  const registry = pluginRegistry(listings);
  const enabledPlugins = new Set(
    Object.entries(config.plugins)
      .filter(([name, pc]) => pc.enabled && registry.has(name))
      .map(([name]) => name),
  );
  return { config, listings, registry, pluginsDirReal, enabledPlugins };
}

const UNSET_VAR_RE = /^environment variable ([A-Za-z_][A-Za-z0-9_]*) is not set\b.*$/;

/** The variable named by an "is not set" problem, or null. */
function unsetVariable(message: string): string | null {
  return UNSET_VAR_RE.exec(message)?.[1] ?? null;
}

function daemonEnvMessage(message: string): string {
  const name = unsetVariable(message);
  if (name === null) return message;
  return (
    `environment variable ${name} is not set in the daemon's environment (pid ${process.pid}); ` +
    "the daemon keeps the environment it was started with, so exporting it in a shell changes nothing for it: " +
    `restart the daemon with ${name} set, or write \${${name}:-default} for a default`
  );
}

/** Why jobs of a plugin may not run under this runtime, or null when they may. */
export function pluginUnavailableReason(runtime: Runtime, plugin: string): string | null {
  const pc = runtime.config.plugins[plugin];
  if (!pc) return "plugin removed";
  if (!pc.enabled) return "plugin disabled";
  if (!runtime.registry.has(plugin)) return "plugin not loaded";
  return null;
}
