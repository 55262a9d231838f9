/** `postern plugins`: every directory under plugins_dir, loaded or refused, with the reason. */
import type { Command } from "commander";
import { pluginsJson, pluginsTable } from "../../plugins/index.js";
import { listPlugins, requireConfig } from "../context.js";
import { printJson, printLine } from "../output.js";

export function registerPlugins(program: Command): void {
  program
    .command("plugins")
    .description("list every plugin directory: loaded or refused (with the reason), version, commands")
    .option("--json", "machine-readable output")
    .action((opts: { json?: boolean }, cmd: Command) => {
      const config = requireConfig(cmd.optsWithGlobals());
      const listings = listPlugins(config);
      if (opts.json) printJson(pluginsJson(listings));
      else printLine(pluginsTable(listings));
    });
}
