/**
 * `postern init [DIR]` (docs/operations.md): a commented starter config, a plugins directory and a state
 * directory. Without DIR: config and plugins in $XDG_CONFIG_HOME/postern, state in
 * $XDG_STATE_HOME/postern. With DIR: all three in DIR. Never overwrites a file.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { PosternError } from "../../core/errors.js";
import { shellQuote } from "../../plugins/trust.js";
import { xdgConfigDir, xdgStateDir } from "../config-file.js";
import { printLine } from "../output.js";
import { starterConfig } from "../scaffold/starter.js";

export function registerInit(program: Command): void {
  program
    .command("init")
    .description("write a starter config, a plugins directory and a state directory (never overwrites)")
    .argument(
      "[dir]",
      "where to put them (default: $XDG_CONFIG_HOME/postern, state in $XDG_STATE_HOME/postern)",
    )
    .action((dirArg: string | undefined) => {
      const dir = dirArg === undefined ? xdgConfigDir() : resolve(dirArg);
      const stateDir = dirArg === undefined ? xdgStateDir() : join(dir, "state");
      const file = join(dir, "postern.yaml");
      if (existsSync(file))
        throw new PosternError(
          "init_exists",
          `${file} already exists; init never overwrites (edit it, or run \`postern init OTHER_DIR\`)`,
        );
      const pluginsDir = join(dir, "plugins");
      // 0700: the state holds job payloads and plugin state (which may hold tokens).
      mkdirSync(stateDir, { recursive: true, mode: 0o700 });
      mkdirSync(pluginsDir, { recursive: true, mode: 0o755 });
      writeFileSync(file, starterConfig({ stateDir }), { flag: "wx", mode: 0o600 });
      const flag = dirArg === undefined ? "" : ` -c ${shellQuote(file)}`;
      printLine(`wrote ${file}`);
      printLine(`created ${pluginsDir}/ (your plugins; the bundled ones are found by name)`);
      printLine(`created ${stateDir}/ (database, lock; notifications.log of the starter)`);
      printLine("");
      printLine("next:");
      printLine(`  postern config check${flag}`);
      printLine(`  postern new plugin my-first --lang js --dir ${shellQuote(pluginsDir)}`);
      printLine(`  postern start${flag}`);
    });
}
