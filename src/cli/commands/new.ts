/**
 * `postern new plugin NAME --lang js|py|sh [--dir D]` (docs/operations.md): a manifest, an executable
 * entrypoint with its shebang, and a sample event, which `postern exec` runs as generated.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { PLUGIN_NAME_RE } from "../../config/fields.js";
import { loadConfig } from "../../config/index.js";
import { PosternError } from "../../core/errors.js";
import { shellQuote } from "../../plugins/trust.js";
import { configPath } from "../config-file.js";
import { printLine } from "../output.js";
import {
  ENTRYPOINT,
  entrypointFile,
  LANGS,
  type Lang,
  manifestFile,
  sampleEvent,
} from "../scaffold/plugin-files.js";

/** --dir, else the first plugins_dir of the config this command would use, else ./plugins. */
function targetDir(dirOpt: string | undefined, globals: { config?: string }): string {
  if (dirOpt !== undefined) return resolve(dirOpt);
  const file = configPath(globals);
  if (existsSync(file)) {
    const loaded = loadConfig(file, process.env);
    if (loaded.ok) return loaded.config.plugins_dir;
  }
  return resolve("plugins");
}

export function registerNew(program: Command): void {
  const cmd = program.command("new").description("scaffold something new");
  cmd
    .command("plugin")
    .description("write a plugin: manifest, executable entrypoint, sample event (never overwrites)")
    .argument("<name>", "plugin name (letters, digits, _ . -; not starting with . or -)")
    .requiredOption("--lang <lang>", "js, py or sh")
    .option("--dir <dir>", "plugins directory to write into (default: the config's plugins_dir)")
    .action((name: string, opts: { lang: string; dir?: string }, c: Command) => {
      if (!PLUGIN_NAME_RE.test(name))
        throw new PosternError(
          "usage",
          `"${name}" is not a valid plugin name: use letters, digits, "_", "." or "-", not starting with "." or "-"`,
          { exitCode: 2 },
        );
      if (!(LANGS as readonly string[]).includes(opts.lang))
        throw new PosternError("usage", `--lang must be one of ${LANGS.join(", ")}; got "${opts.lang}"`, {
          exitCode: 2,
        });
      const lang = opts.lang as Lang;
      const pluginsDir = targetDir(opts.dir, c.optsWithGlobals());
      const dir = join(pluginsDir, name);
      if (existsSync(dir))
        throw new PosternError(
          "plugin_exists",
          `${dir} already exists; new plugin never overwrites (pick another name or remove it)`,
        );
      mkdirSync(pluginsDir, { recursive: true, mode: 0o755 });
      mkdirSync(dir, { mode: 0o755 });
      const entry = join(dir, ENTRYPOINT[lang]);
      writeFileSync(join(dir, "manifest.yaml"), manifestFile(name, lang), { flag: "wx", mode: 0o644 });
      writeFileSync(entry, entrypointFile(name, lang), { flag: "wx", mode: 0o755 });
      writeFileSync(join(dir, "sample-event.json"), sampleEvent(name), { flag: "wx", mode: 0o644 });
      printLine(`wrote ${dir}/ (manifest.yaml, ${ENTRYPOINT[lang]}, sample-event.json)`);
      printLine("try it, then add it under plugins: in your config (and a route to it or from it):");
      printLine(`  postern exec ${name} poll`);
      printLine(`  postern exec ${name} handle --event @${shellQuote(join(dir, "sample-event.json"))}`);
    });
}
