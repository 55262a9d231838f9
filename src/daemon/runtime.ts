/**
 * One consistent view of the configuration and the loaded plugins. A job runs with the
 * snapshot it started with; a reload (later) swaps in a new one for new work.
 */
import { statSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { checkAgainstPlugins, checkStateDir, loadConfig } from "../config/index.js";
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

export function loadRuntime(file: string, env: Record<string, string | undefined>): Runtime {
  const loaded = loadConfig(file, env);
  if (!loaded.ok) {
    throw new PosternError("config_invalid", `${file} is invalid; not starting:`, {
      problems: loaded.errors,
    });
  }
  const config = loaded.config;
  const stateDirProblems = checkStateDir(config);
  if (stateDirProblems.length > 0) {
    throw new PosternError("config_invalid", `${file} is invalid; not starting:`, {
      problems: stateDirProblems,
    });
  }
  const pluginsDirReal = resolvePluginsDir(config.plugins_dir);
  const listings = discoverPlugins(config.plugins_dir);
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
  return { config, listings, registry, pluginsDirReal, enabledPlugins };
}

/**
 * loadRuntime on a worker thread (load-worker.ts), for reloads: the event loop stays free for
 * /healthz and webhooks while a large config is parsed. Rejects with the same PosternError
 * (and problems) as loadRuntime. Line numbers are looked up in the worker, so a Runtime from
 * here has none for later lookups (configLine is only used while checking).
 */
export function loadRuntimeOffThread(
  file: string,
  env: Record<string, string | undefined>,
): Promise<Runtime> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./load-worker.js", import.meta.url), { workerData: { file, env } });
    worker.once("message", (m: LoadAnswer) => {
      if (m.ok) resolve(m.runtime);
      else reject(new PosternError(m.code, m.message, { problems: m.problems }));
    });
    worker.once("error", reject);
    // After the answer this rejection is a no-op; without one it is what the reload reports.
    worker.once("exit", (code) =>
      reject(new Error(`the config loader thread exited (${code}) without an answer`)),
    );
  });
}

/**
 * Past this size a reload loads the config on a worker thread. Below it the main thread is
 * faster: a worker first spends about half a second loading its modules, while a config of
 * this size parses in well under 100 ms.
 */
export const OFF_THREAD_CONFIG_BYTES = 64 * 1024;

/** For a reload: a large config on a worker thread, a usual one right here. */
export async function loadRuntimeForReload(
  file: string,
  env: Record<string, string | undefined>,
): Promise<Runtime> {
  let size = 0;
  try {
    size = statSync(file).size;
  } catch {
    // loadRuntime reports a missing or unreadable file with its usual message.
  }
  return size > OFF_THREAD_CONFIG_BYTES ? loadRuntimeOffThread(file, env) : loadRuntime(file, env);
}

type LoadAnswer =
  | { ok: true; runtime: Runtime }
  | { ok: false; code: string; message: string; problems: PosternError["problems"] };

/** Why jobs of a plugin may not run under this runtime, or null when they may. */
export function pluginUnavailableReason(runtime: Runtime, plugin: string): string | null {
  const pc = runtime.config.plugins[plugin];
  if (!pc) return "plugin removed";
  if (!pc.enabled) return "plugin disabled";
  if (!runtime.registry.has(plugin)) return "plugin not loaded";
  return null;
}
