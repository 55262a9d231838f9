/**
 * `init` (docs/operations.md, "init and health"): run when a plugin is first loaded and whenever its manifest version or
 * resolved config changes (and again after a failed init, at the next start or reload). Not
 * retried. A failed init makes the plugin unhealthy: not scheduled, its queued jobs wait.
 * Results are recorded in the database so `status` shows them and a restart knows them.
 */

import { INIT_META_PREFIX, type InitResult } from "../contracts/meta.js";
import { alertSettingsOf } from "../contracts/runtime.js";
import type { Clock } from "../core/clock.js";
import { isoUtc } from "../core/clock.js";
import { initFingerprint, needsInit } from "../core/lifecycle.js";
import { applyStateChange } from "../core/state.js";
import { logAlerts } from "../log/alerts.js";
import type { Logger } from "../log/logger.js";
import { runPluginCommand } from "../plugin-run/run-command.js";
import type { RunLimits } from "../runner/run.js";
import type { Store } from "../store/index.js";
import type { Runtime } from "./runtime.js";

export interface InitDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  env: Record<string, string | undefined>;
  runLimits: Partial<RunLimits>;
  /** True once the daemon stops: the inits not yet started are skipped (they run next start). */
  stopping?: () => boolean;
}

/** The enabled plugins whose `init` must run (never run, changed, or failed last time). */
export function pendingInits(store: Store, runtime: Runtime): Set<string> {
  const pending = new Set<string>();
  for (const name of runtime.enabledPlugins) {
    const plugin = runtime.registry.get(name);
    const pc = runtime.config.plugins[name];
    if (!plugin || !pc) continue;
    const record = store.getMeta<InitResult>(`${INIT_META_PREFIX}${name}`);
    const fingerprint = initFingerprint(plugin.manifest.version, pc.config);
    if (needsInit(plugin.manifest.commands.includes("init"), record, fingerprint)) pending.add(name);
  }
  return pending;
}

/** Runs `init` for every enabled plugin that needs it, one at a time. Returns the unhealthy set. */
export async function runInits(deps: InitDeps, runtime: Runtime): Promise<Set<string>> {
  const unhealthy = new Set<string>();
  for (const name of runtime.enabledPlugins) {
    if (deps.stopping?.()) break;
    const plugin = runtime.registry.get(name);
    const pc = runtime.config.plugins[name];
    if (!plugin || !pc) continue;
    const key = `${INIT_META_PREFIX}${name}`;
    const fingerprint = initFingerprint(plugin.manifest.version, pc.config);
    const record = deps.store.getMeta<InitResult>(key);
    if (!needsInit(plugin.manifest.commands.includes("init"), record, fingerprint)) {
      if (record && !record.healthy && plugin.manifest.commands.includes("init")) unhealthy.add(name);
      continue;
    }
    const log = deps.log.child({ component: "init", plugin: name });
    const { result } = await runPluginCommand({
      plugin,
      command: "init",
      pluginConfig: pc,
      coreEnv: deps.env,
      state: deps.store.getState(name),
      limits: deps.runLimits,
      clock: deps.clock,
    });
    let error = result.outcome.status === "succeeded" ? null : result.outcome.error;
    const response = result.outcome.response;
    if (error === null && response?.state_updates) {
      const change = applyStateChange(
        deps.store.getState(name),
        response.state_updates,
        response.state_replace === true,
      );
      if (change.ok) deps.store.setState(name, change.state);
      else error = change.error;
    }
    if (error === null && (response?.events?.length ?? 0) > 0) {
      log.warn(`${response?.events?.length} events from init ignored (init may not emit events)`);
    }
    for (const entry of response?.logs ?? []) log[entry.level]({ source: "plugin" }, entry.message);
    // docs/daemon.md, "Logs": diagnostics of a run that went well are not warnings.
    if (result.stderr !== "")
      log[error === null ? "info" : "warn"](
        { source: "plugin", stderr: result.stderr.slice(-4096) },
        "plugin wrote to stderr",
      );
    // docs/operations.md: one unhealthy per incident (the first failed init after a healthy state or
    // none), one healthy when an init succeeds again; committed with the init's record.
    const wasHealthy = record?.healthy ?? true;
    const now = deps.clock.now();
    const change =
      error !== null && wasHealthy
        ? ({ type: "postern.plugin.unhealthy", reason: `init failed: ${error}` } as const)
        : error === null && !wasHealthy
          ? ({ type: "postern.plugin.healthy", reason: "init succeeded" } as const)
          : null;
    const raised = deps.store.putMetaRaising(
      key,
      { fingerprint, healthy: error === null, error, at: isoUtc(now) } satisfies InitResult,
      change === null ? [] : [{ ...change, plugin: name, command: "init", at: now, job: null }],
      alertSettingsOf(runtime),
    );
    logAlerts(log, raised);
    if (error === null) log.info(`init succeeded in ${result.durationMs} ms`);
    else {
      unhealthy.add(name);
      log.error(
        { error },
        `init failed: ${error}; ${name} is unhealthy (not scheduled, its queued jobs wait) until a reload or restart runs a successful init`,
      );
    }
  }
  return unhealthy;
}
