/**
 * `postern reset PLUGIN [--command C]`: close a plugin's circuit breaker(s) at once (docs/scheduling.md,
 * §13) and zero their failure counts. It writes the database directly, like the other repair
 * commands; a running daemon's scheduler sees the closed circuit at its next tick.
 */
import type { Command } from "commander";
import type { Config } from "../../config/types.js";
import { alertSettingsOf } from "../../contracts/runtime.js";
import { PosternError } from "../../core/errors.js";
import { COMMANDS } from "../../plugins/types.js";
import type { BreakerRow } from "../../store/index.js";
import { listPlugins, requireConfig } from "../config-file.js";
import { hasDatabase, withWriteStore } from "../database.js";
import { printJson, printLine } from "../output.js";
import { usageError } from "./args.js";

export function registerReset(program: Command): void {
  program
    .command("reset")
    .description("close a plugin's circuit breaker(s) at once, so the scheduler polls it again")
    .argument("<plugin>", "plugin name")
    .option("--command <command>", `only this command's circuit (${COMMANDS.join(", ")})`)
    .option("--json", "print what was closed as JSON")
    .action((plugin: string, opts: { command?: string; json?: boolean }, cmd: Command) => {
      if (opts.command !== undefined && !(COMMANDS as readonly string[]).includes(opts.command)) {
        throw usageError(`--command must be one of ${COMMANDS.join(", ")}, got "${opts.command}"`);
      }
      const config = requireConfig(cmd.optsWithGlobals());
      if (config.plugins[plugin] === undefined) {
        throw new PosternError("plugin_unknown", `plugin "${plugin}" is not in ${config.file}`);
      }
      const closed = hasDatabase(config)
        ? withWriteStore(config, (store) =>
            store.closeCircuits(
              plugin,
              opts.command,
              alertSettingsOf({ config, enabledPlugins: enabledPlugins(config) }),
            ),
          )
        : [];
      if (opts.json) {
        printJson({
          plugin,
          closed: closed.map((b) => ({
            command: b.command,
            previous_state: b.state,
            failures: b.failures,
            opened_at: b.opened_at,
          })),
        });
        return;
      }
      const which = opts.command === undefined ? "circuits" : `${opts.command} circuit`;
      if (closed.length === 0) {
        printLine(`nothing to reset: the ${which} of ${plugin} ${opts.command ? "is" : "are"} closed`);
        return;
      }
      for (const b of closed) printLine(describe(plugin, b));
    });
}

/** Configured, enabled and loaded: the targets a system event's routes may use. */
function enabledPlugins(config: Config): Set<string> {
  return new Set(
    listPlugins(config)
      .filter((l) => l.loaded && config.plugins[l.name]?.enabled === true)
      .map((l) => l.name),
  );
}

function describe(plugin: string, b: BreakerRow): string {
  const failures = `${b.failures} consecutive failure${b.failures === 1 ? "" : "s"}`;
  if (b.state === "closed")
    return `reset the ${b.command} failure count of ${plugin} (${failures}; it was closed)`;
  const since = b.opened_at === null ? "" : ` since ${b.opened_at}`;
  const state = b.state === "open" ? "open" : "half-open";
  return `closed the ${b.command} circuit of ${plugin} (was ${state}${since}, ${failures})`;
}
