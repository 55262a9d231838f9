/**
 * `postern state get|set PLUGIN`: read or replace a plugin's state (docs/jobs.md, "Plugin state"), for repairs such
 * as resetting a cursor. `set` replaces the whole object; the 1 MB limit applies as it does to
 * a plugin's own writes.
 */
import type { Command } from "commander";
import type { Config } from "../../config/types.js";
import { PosternError } from "../../core/errors.js";
import { stringifyBounded } from "../../core/json-depth.js";
import { readSource, requireConfig } from "../config-file.js";
import { readPluginState, withWriteStore } from "../database.js";
import { printJson, printLine } from "../output.js";
import { readJsonArg, usageError } from "./args.js";

export function registerState(program: Command): void {
  const state = program.command("state").description("read or replace a plugin's state (operator repair)");

  state
    .command("get")
    .description("print a plugin's state ({} if it never stored any)")
    .argument("<plugin>", "plugin name")
    .option("--json", "compact JSON")
    .action((name: string, opts: { json?: boolean }, cmd: Command) => {
      const context = readSource(cmd.optsWithGlobals());
      if (context.config !== null && context.config.plugins[name] === undefined) {
        process.stderr.write(`note: plugin ${name} is not in ${context.file}\n`);
      }
      const value = readPluginState(context, name);
      if (opts.json) printLine(stringifyBounded(value));
      else printJson(value);
    });

  state
    .command("set")
    .description("replace a plugin's whole state with a JSON object (at most 1 MB)")
    .argument("<plugin>", "plugin name")
    .argument("<json|@file>", "the new state: a JSON object, inline or from a file")
    .action((name: string, arg: string, _opts: unknown, cmd: Command) => {
      const value = readJsonArg(arg, "the state");
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw usageError('the state must be a JSON object, like {"cursor": "abc"}');
      }
      const config = requireConfig(cmd.optsWithGlobals());
      if (config.plugins[name] === undefined) {
        throw new PosternError(
          "plugin_unknown",
          `plugin "${name}" is not in ${config.file}; not setting its state`,
        );
      }
      const running = withWriteStore(config, (store) => {
        store.setState(name, value);
        return store.listQueue().some((j) => j.plugin === name && j.status === "running");
      });
      printLine(`replaced the state of ${name} (${Buffer.byteLength(JSON.stringify(value))} bytes)`);
      if (running) warnRunning(config, name);
    });
}

/** Its attempt was handed the old state; whatever it sends back lands on top of ours. */
function warnRunning(config: Config, name: string): void {
  process.stderr.write(
    `warning: a job of ${name} is running now, and was given the old state; if it succeeds, its ` +
      "state_updates apply on top of this one (the keys it sends win; state_replace discards it). " +
      `Check with \`postern state get ${name} --config ${config.file}\` once it is done.\n`,
  );
}
