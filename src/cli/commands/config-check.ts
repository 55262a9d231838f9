/** `postern config check`: the config, the plugins, the routes and endpoints; every problem. */
import type { Command } from "commander";
import { checkAgainstPlugins, loadConfig, withPluginSecretFiles } from "../../config/index.js";
import { formatProblem, PosternError, type Problem } from "../../core/errors.js";
import { discoverPlugins } from "../../plugins/index.js";
import { configPath } from "../context.js";
import { markFailed, printJson, printLine, problemJson } from "../output.js";

export function collectConfigProblems(file: string, warnings: Problem[] = []): Problem[] {
  const loaded = loadConfig(file, process.env);
  if (!loaded.ok) return loaded.errors;
  warnings.push(...loaded.warnings);
  try {
    const listings = discoverPlugins(loaded.config.plugins_dir);
    const files = withPluginSecretFiles(loaded.config, listings);
    warnings.push(...files.warnings);
    return [...files.problems, ...checkAgainstPlugins(files.config, listings)];
  } catch (e) {
    if (e instanceof PosternError) return [{ file, path: "plugins_dir", line: null, message: e.message }];
    throw e;
  }
}

export function registerConfigCheck(program: Command): void {
  const config = program.command("config").description("configuration commands");
  config
    .command("check")
    .description("validate the config file, plugins, routes and endpoints; print every problem")
    .option("--json", "machine-readable output")
    .action((opts: { json?: boolean }, cmd: Command) => {
      const file = configPath(cmd.optsWithGlobals());
      const warnings: Problem[] = [];
      const problems = collectConfigProblems(file, warnings);
      if (problems.length > 0) markFailed();
      if (opts.json) {
        printJson({
          ok: problems.length === 0,
          errors: problems.map(problemJson),
          // Only when there are any: the shape without warnings stays what it was.
          ...(warnings.length > 0 ? { warnings: warnings.map(problemJson) } : {}),
        });
        return;
      }
      for (const w of warnings) printLine(`warning: ${formatProblem(w)}`);
      if (problems.length === 0) {
        printLine(`${file}: ok`);
        return;
      }
      for (const p of problems) printLine(formatProblem(p));
      printLine(`${problems.length} problem${problems.length === 1 ? "" : "s"} found`);
    });
}
