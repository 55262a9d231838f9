/**
 * One plugin command, run the same way for every caller: the daemon's jobs and inits, the CLI's
 * health check and `postern exec`. The timeout per command comes from the plugin's config (the
 * config's defaults for a directory not in it), the request is built here, the environment is
 * the clean one, the trust checks run again at spawn and the limits are the runner's unless the
 * caller tunes them. The trust checks run against the plugin's own search root. A fix to any of these reaches every caller.
 */
import { v7 as uuidv7 } from "uuid";
import { DEFAULTS } from "../config/definition.js";
import type { PluginConfig } from "../config/types.js";
import { type Clock, systemClock } from "../core/clock.js";
import { parseDuration } from "../core/units.js";
import { trustRecheck } from "../plugins/trust.js";
import type { LoadedPlugin, PluginCommand } from "../plugins/types.js";
import type { PluginRequest, RequestEvent } from "../protocol/messages.js";
import { pluginEnvironment } from "../runner/env.js";
import { buildRequest } from "../runner/request.js";
import { type RunLimits, type RunResult, runPlugin, type SpawnInfo } from "../runner/run.js";

export interface PluginCommandRun {
  plugin: LoadedPlugin;
  command: PluginCommand;
  /** The plugin's block of the config; undefined for a directory not in it: config {}, no env, default timeouts. */
  pluginConfig: PluginConfig | undefined;
  /** The core's environment: only its clean part is passed on (see pluginEnvironment). */
  coreEnv: Record<string, string | undefined>;
  /** The plugin's state as the request carries it. */
  state: Record<string, unknown>;
  /** The job's id and attempt; a run that is not a job (init, health, exec) gets a fresh id, attempt 1. */
  jobId?: string;
  attempt?: number;
  /** For `handle` only. */
  event?: RequestEvent | null;
  limits?: Partial<RunLimits>;
  clock?: Clock;
  onSpawn?: (info: SpawnInfo) => void;
  abort?: AbortSignal;
}

export interface PluginCommandResult {
  /** The request as the plugin received it (exec shows it). */
  request: PluginRequest;
  result: RunResult;
}

const fromConfigText = (text: string) => parseDuration(text) as number;

/** The config's default timeouts, for a plugin directory that is not (yet) in the config. */
export const DEFAULT_PLUGIN_TIMEOUTS: PluginConfig["timeouts"] = {
  poll: fromConfigText(DEFAULTS.plugin.timeouts.poll),
  handle: fromConfigText(DEFAULTS.plugin.timeouts.handle),
  health: fromConfigText(DEFAULTS.plugin.timeouts.health),
  init: fromConfigText(DEFAULTS.plugin.timeouts.init),
};

export function commandTimeoutMs(pluginConfig: PluginConfig | undefined, command: PluginCommand): number {
  return (pluginConfig?.timeouts ?? DEFAULT_PLUGIN_TIMEOUTS)[command];
}

export async function runPluginCommand(run: PluginCommandRun): Promise<PluginCommandResult> {
  const { plugin, command, pluginConfig } = run;
  const clock = run.clock ?? systemClock;
  const jobId = run.jobId ?? uuidv7();
  const timeoutMs = commandTimeoutMs(pluginConfig, command);
  const request = buildRequest({
    jobId,
    command,
    attempt: run.attempt ?? 1,
    config: pluginConfig?.config ?? {},
    state: run.state,
    event: run.event ?? null,
    nowMs: clock.now(),
    timeoutMs,
  });
  const result = await runPlugin({
    plugin,
    command,
    request,
    timeoutMs,
    env: pluginEnvironment(run.coreEnv, { plugin: plugin.name, command, jobId }, pluginConfig?.env ?? {}),
    limits: run.limits,
    clock,
    recheckTrust: trustRecheck(plugin),
    onSpawn: run.onSpawn,
    abort: run.abort,
  });
  return { request, result };
}
