/**
 * A plugin's `health` command, run on demand by the CLI (SPEC §4.4): diagnostic and read-only;
 * its state_updates and events are ignored and nothing is recorded.
 */
import { v7 as uuidv7 } from "uuid";
import type { Config } from "../config/types.js";
import { trustRecheck } from "../plugins/index.js";
import type { LoadedPlugin } from "../plugins/types.js";
import { pluginEnvironment } from "../runner/env.js";
import { buildRequest } from "../runner/request.js";
import { type RunResult, runPlugin } from "../runner/run.js";
import { withReadStore } from "./context-store.js";

export interface HealthResult {
  status: "ok" | "error";
  error: string | null;
  run: RunResult;
}

export async function runHealth(config: Config, plugin: LoadedPlugin): Promise<HealthResult> {
  const pc = config.plugins[plugin.name];
  const timeoutMs = pc?.timeouts.health ?? 10_000;
  const jobId = uuidv7();
  const state = withReadStore(
    config,
    () => ({}),
    (store) => store.getState(plugin.name),
  );
  const run = await runPlugin({
    plugin,
    command: "health",
    request: buildRequest({
      jobId,
      command: "health",
      attempt: 1,
      config: pc?.config ?? {},
      state,
      nowMs: Date.now(),
      timeoutMs,
    }),
    timeoutMs,
    env: pluginEnvironment(process.env, { plugin: plugin.name, command: "health", jobId }, pc?.env ?? {}),
    recheckTrust: trustRecheck(plugin),
  });
  return run.outcome.status === "succeeded"
    ? { status: "ok", error: null, run }
    : { status: "error", error: run.outcome.error, run };
}
