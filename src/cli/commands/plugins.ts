/** `postern plugins`: every plugin directory of every search root, loaded or refused, with the reason and the root. */
import type { Command } from "commander";
import { PosternError } from "../../core/errors.js";
import { discoverInRoots, pluginRegistry, searchRoots } from "../../plugins/index.js";
import { listPlugins, requireConfig } from "../config-file.js";
import { pluginsJsonWithRoots, pluginsTable, rootsText } from "../format/plugins.js";
import { runHealth } from "../health.js";
import { markFailed, printJson, printLine } from "../output.js";

export function registerPlugins(program: Command): void {
  const plugins = program
    .command("plugins")
    .description("list every plugin directory: loaded or refused (with the reason), version, commands")
    .option("--json", "machine-readable output")
    .action((opts: { json?: boolean }, cmd: Command) => {
      const config = requireConfig(cmd.optsWithGlobals());
      const roots = searchRoots(config.plugins_dirs);
      const listings = discoverInRoots(roots);
      if (opts.json) printJson(pluginsJsonWithRoots(listings));
      else printLine(`${pluginsTable(listings)}\n\n${rootsText(roots, listings)}`);
    });
  plugins
    .command("health")
    .description("run one plugin's health command now and show the result (read-only)")
    .argument("<plugin>", "plugin name")
    .option("--json", "machine-readable output")
    .action(async (name: string, opts: { json?: boolean }, cmd: Command) => {
      const config = requireConfig(cmd.optsWithGlobals());
      const listing = listPlugins(config).find((l) => l.name === name);
      const plugin = listing ? pluginRegistry([listing]).get(name) : undefined;
      if (!plugin) {
        throw new PosternError(
          "plugin_unknown",
          `plugin ${name} is not loaded: ${listing?.reason ?? "no such directory"}`,
        );
      }
      if (!plugin.manifest.commands.includes("health")) {
        throw new PosternError("command_unsupported", `plugin ${name} has no health command in its manifest`);
      }
      const result = await runHealth(config, plugin);
      if (result.status !== "ok") markFailed();
      if (opts.json || cmd.optsWithGlobals().json)
        printJson({
          plugin: name,
          status: result.status,
          error: result.error,
          duration_ms: result.run.durationMs,
        });
      else
        printLine(
          result.status === "ok"
            ? `${name}: healthy (${result.run.durationMs} ms)`
            : `${name}: UNHEALTHY: ${result.error}`,
        );
    });
}
