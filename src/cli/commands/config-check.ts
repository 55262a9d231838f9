/** `postern config check`: the config, the plugins, the routes and endpoints; every problem. */
import type { Command } from "commander";
import {
  checkAgainstPlugins,
  checkStateDir,
  configLine,
  loadConfig,
  withPluginSecretFiles,
} from "../../config/index.js";
import { formatPath, type KeyPath } from "../../config/paths.js";
import { formatProblem, PosternError, type Problem } from "../../core/errors.js";
import { discoverInRoots, searchRoots } from "../../plugins/index.js";
import { configPath } from "../config-file.js";
import { markFailed, printJson, printLine, problemJson } from "../output.js";

export function collectConfigProblems(file: string, warnings: Problem[] = []): Problem[] {
  const loaded = loadConfig(file, process.env);
  if (!loaded.ok) return loaded.errors;
  warnings.push(...loaded.warnings);
  const stateDir = checkStateDir(loaded.config);
  try {
    const listings = discoverInRoots(searchRoots(loaded.config.plugins_dirs));
    const files = withPluginSecretFiles(loaded.config, listings);
    warnings.push(...files.warnings);
    return [...stateDir, ...files.problems, ...checkAgainstPlugins(files.config, listings)];
  } catch (e) {
    // searchRoots names the key first ("plugins_dir.1: …"); the problem carries it as its path.
    if (e instanceof PosternError) {
      const m = /^plugins_dir(?:\.(\d+))?: ([\s\S]*)$/.exec(e.message);
      const path: KeyPath = m?.[1] === undefined ? ["plugins_dir"] : ["plugins_dir", Number(m[1])];
      return [
        ...stateDir,
        {
          file,
          path: formatPath(path),
          line: configLine(loaded.config, path),
          message: m?.[2] ?? e.message,
        },
      ];
    }
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
