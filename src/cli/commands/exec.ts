/**
 * `postern exec PLUGIN COMMAND`: the plugin author's harness. Builds the real request (config,
 * current state), runs the plugin once in the foreground and shows everything: request,
 * response or protocol error, stderr, timing. It changes nothing: no job, no state write.
 */
import type { Command } from "commander";
import { withPluginSecretFiles } from "../../config/index.js";
import { PosternError } from "../../core/errors.js";
import { formatDuration } from "../../core/units.js";
import { runPluginCommand } from "../../plugin-run/run-command.js";
import { pluginRegistry } from "../../plugins/index.js";
import { COMMANDS, type PluginCommand } from "../../plugins/types.js";
import { listPlugins, requireConfig } from "../config-file.js";
import { readPluginState } from "../database.js";
import { cliEvent, parseEventArg } from "../event-arg.js";
import { markFailed, printJson, printLine } from "../output.js";

interface ExecOptions {
  event?: string;
  json?: boolean;
}

export function registerExec(program: Command): void {
  program
    .command("exec")
    .description(
      "run a plugin once in the foreground with the real request and show what happened (changes nothing)",
    )
    .argument("<plugin>", "plugin name")
    .argument("<command>", `one of ${COMMANDS.join(", ")}`)
    .option("--event <json|@file>", 'event for handle: {"type": "...", "payload": ..., "dedupe_key": "..."}')
    .option("--json", "machine-readable output")
    .action(async (name: string, command: string, opts: ExecOptions, cmd: Command) => {
      if (!(COMMANDS as readonly string[]).includes(command)) {
        throw new PosternError(
          "usage",
          `unknown command "${command}": expected one of ${COMMANDS.join(", ")}`,
          {
            exitCode: 2,
          },
        );
      }
      const pluginCommand = command as PluginCommand;
      const config = requireConfig(cmd.optsWithGlobals());
      const listing = listPlugins(config).find((l) => l.name === name);
      if (!listing) {
        throw new PosternError(
          "plugin_unknown",
          `no plugin directory "${name}" under ${config.plugins_dirs.join(", ")} or the bundled plugins`,
        );
      }
      const plugin = pluginRegistry([listing]).get(name);
      if (!plugin)
        throw new PosternError("plugin_refused", `plugin ${name} is not loaded: ${listing.reason}`);
      if (!plugin.manifest.commands.includes(pluginCommand)) {
        throw new PosternError(
          "command_unsupported",
          `plugin ${name} does not declare "${command}" in its manifest commands (${plugin.manifest.commands.join(", ")})`,
        );
      }
      if (pluginCommand === "handle" && opts.event === undefined) {
        throw new PosternError("usage", 'handle needs an event: --event \'{"type": "...", "payload": {}}\'', {
          exitCode: 2,
        });
      }
      // `<key>_file` values are read as the daemon reads them (config/secret-file.ts).
      const files = withPluginSecretFiles(config, [listing]);
      if (files.problems.length > 0)
        throw new PosternError("config_invalid", `${config.file}: a secret file of ${name} cannot be read:`, {
          problems: files.problems,
        });
      const pluginConfig = files.config.plugins[name];
      if (!pluginConfig)
        process.stderr.write(`note: ${name} is not in ${config.file}; running it with config {}\n`);
      const { request, result } = await runPluginCommand({
        plugin,
        command: pluginCommand,
        pluginConfig,
        coreEnv: process.env,
        state: readPluginState(config, name),
        event: opts.event === undefined ? null : cliEvent(parseEventArg(opts.event), Date.now()),
      });
      const o = result.outcome;
      const outcome = {
        status: o.status,
        exit_code: result.exitCode,
        signal: result.signal,
        timed_out: result.timedOut,
        error: o.error,
        retryable: o.status === "succeeded" ? null : o.retryable,
        duration_ms: result.durationMs,
      };
      if (o.status !== "succeeded") markFailed();
      if (opts.json) {
        printJson({ request, response: o.response, outcome, stderr: result.stderr, stdout: result.stdout });
        return;
      }
      printLine("── request");
      printLine(JSON.stringify(request, null, 2));
      if (o.response) {
        printLine("── response");
        printLine(JSON.stringify(o.response, null, 2));
      } else if (result.stdout !== null) {
        printLine("── stdout (not a valid response)");
        printLine(result.stdout);
      }
      if (result.stderr !== "") {
        const dropped = result.stderrTruncated ? ` (earlier ${result.stderrBytesDropped} bytes dropped)` : "";
        printLine(`── stderr${dropped}`);
        process.stdout.write(result.stderr.endsWith("\n") ? result.stderr : `${result.stderr}\n`);
      }
      const exit = result.signal ? `signal ${result.signal}` : `exit ${result.exitCode ?? "-"}`;
      const retry = o.status === "succeeded" ? "" : o.retryable ? ", retryable" : ", not retryable";
      printLine(`── outcome: ${o.status} in ${formatDuration(result.durationMs)} (${exit}${retry})`);
      if (o.error) printLine(`   error: ${o.error}`);
    });
}
