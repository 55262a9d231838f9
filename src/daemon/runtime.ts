import { statSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { checkAgainstPlugins, checkStateDir, loadConfig, withPluginSecretFiles } from "../config/index.js";
import type { Runtime } from "../contracts/runtime.js";
import { type ErrorCode, PosternError } from "../core/errors.js";
import { deadReason } from "../core/lifecycle.js";
import { discoverInRoots, pluginRegistry, searchRoots } from "../plugins/index.js";

/**
 * A start refuses ("not starting"); a reload is rejected while the daemon runs on. An unset
 * `${VAR}` at a reload is about the daemon's environment, fixed when it started, not the shell
 * that ran `postern reload` (where `config check` may well pass): the problem says so.
 */
export type LoadPurpose = "start" | "reload";

export function loadRuntime(
  file: string,
  env: Record<string, string | undefined>,
  purpose: LoadPurpose = "start",
): Runtime {
  const loaded = loadConfig(file, env);
  if (!loaded.ok) {
    const problems =
      purpose === "start"
        ? loaded.errors
        : loaded.errors.map((p) => ({ ...p, message: daemonEnvMessage(p.message) }));
    throw new PosternError("config_invalid", invalidHeadline(file, purpose), { problems });
  }
  const stateDirProblems = checkStateDir(loaded.config);
  if (stateDirProblems.length > 0) {
    throw new PosternError("config_invalid", invalidHeadline(file, purpose), {
      problems: stateDirProblems,
    });
  }
  const listings = discoverInRoots(searchRoots(loaded.config.plugins_dirs));
  const { config, problems, warnings } = withPluginSecretFiles(loaded.config, listings);
  problems.push(...checkAgainstPlugins(config, listings));
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
  return { config, listings, registry, enabledPlugins, warnings: [...loaded.warnings, ...warnings] };
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
  purpose: LoadPurpose = "start",
): Promise<Runtime> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./load-worker.js", import.meta.url), {
      workerData: { file, env, purpose },
    });
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
  return size > OFF_THREAD_CONFIG_BYTES
    ? loadRuntimeOffThread(file, env, "reload")
    : loadRuntime(file, env, "reload");
}

type LoadAnswer =
  | { ok: true; runtime: Runtime }
  | { ok: false; code: ErrorCode; message: string; problems: PosternError["problems"] };

function invalidHeadline(file: string, purpose: LoadPurpose): string {
  return purpose === "start"
    ? `${file} is invalid; not starting:`
    : `${file} is invalid for the running daemon:`;
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
  const dead = deadReason({ configured: pc !== undefined, enabled: pc?.enabled ?? false });
  return dead ?? (runtime.registry.has(plugin) ? null : "plugin not loaded");
}

export type { Runtime };
