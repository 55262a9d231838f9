/**
 * A plugin's `health` command, run on demand by the CLI (docs/operations.md, "init and health"): diagnostic and read-only;
 * its state_updates and events are ignored and nothing is recorded.
 */
import type { Config } from "../config/types.js";
import { runPluginCommand } from "../plugin-run/run-command.js";
import type { LoadedPlugin } from "../plugins/types.js";
import type { RunResult } from "../runner/run.js";
import { withReadStore } from "./database.js";

export interface HealthResult {
  status: "ok" | "error";
  error: string | null;
  run: RunResult;
}

export async function runHealth(config: Config, plugin: LoadedPlugin): Promise<HealthResult> {
  const state = withReadStore(
    config,
    () => ({}),
    (store) => store.getState(plugin.name),
  );
  const { result: run } = await runPluginCommand({
    plugin,
    command: "health",
    pluginConfig: config.plugins[plugin.name],
    coreEnv: process.env,
    state,
  });
  return run.outcome.status === "succeeded"
    ? { status: "ok", error: null, run }
    : { status: "error", error: run.outcome.error, run };
}
