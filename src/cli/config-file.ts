/**
 * What most commands need first: which config file, the loaded config, the plugins found.
 * The config file comes from --config, else $POSTERN_CONFIG, else ./postern.yaml, else the one
 * `postern init` writes, $XDG_CONFIG_HOME/postern/postern.yaml (docs/configuration.md; docs/operations.md).
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { findStateDir } from "../config/find-state-dir.js";
import { loadConfig } from "../config/index.js";
import type { Config } from "../config/types.js";
import { formatProblem, PosternError } from "../core/errors.js";
import { discoverInRoots, searchRoots } from "../plugins/index.js";
import type { PluginListing } from "../plugins/types.js";

export interface GlobalOptions {
  config?: string;
}

/** $XDG_CONFIG_HOME/postern (default ~/.config/postern): where `postern init` puts the config. */
export function xdgConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config"), "postern");
}

/** $XDG_STATE_HOME/postern (default ~/.local/state/postern): the state `postern init` sets up. */
export function xdgStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_STATE_HOME || join(env.HOME || homedir(), ".local", "state"), "postern");
}

export function configPath(opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env): string {
  const explicit = opts.config ?? env.POSTERN_CONFIG;
  if (explicit !== undefined) return resolve(explicit);
  const here = resolve("postern.yaml");
  if (existsSync(here)) return here;
  const xdg = join(xdgConfigDir(env), "postern.yaml");
  // Neither exists: name ./postern.yaml, the first place looked, in the error.
  return existsSync(xdg) ? xdg : here;
}

/** Loads the config or throws a PosternError carrying every problem. */
export function requireConfig(opts: GlobalOptions): Config {
  const file = configPath(opts);
  const result = loadConfig(file, process.env);
  if (!result.ok) {
    throw new PosternError(
      "config_invalid",
      `${file} has ${result.errors.length} problem${result.errors.length === 1 ? "" : "s"} (run \`postern config check\` for the full list):`,
      { problems: result.errors },
    );
  }
  return result.config;
}

/**
 * What a read command works with (docs/jobs.md, "The operator commands"): the state directory, and the config when it
 * validates. A config that does not (an unset \${VAR} in this shell, a file edited after the
 * daemon loaded it) is no reason to refuse a read: one warning on stderr says what is wrong
 * and where the answer comes from. Only a state directory that cannot be found refuses.
 */
export interface ReadSource {
  file: string;
  config: Config | null;
  service: { state_dir: string };
}

export function readSource(opts: GlobalOptions): ReadSource {
  const file = configPath(opts);
  const result = loadConfig(file, process.env);
  if (result.ok)
    return { file, config: result.config, service: { state_dir: result.config.service.state_dir } };
  const found = findStateDir(file, process.env);
  if (!found.ok) {
    throw new PosternError(
      "config_invalid",
      `${file} cannot be used, not even for its state directory: ${found.reason}`,
      {
        problems: result.errors,
      },
    );
  }
  const [first] = result.errors;
  const more = result.errors.length > 1 ? ` (and ${result.errors.length - 1} more)` : "";
  process.stderr.write(
    `postern: warning: ${file} does not validate: ${first === undefined ? "?" : formatProblem(first)}${more}; ` +
      `answering from the state directory ${found.stateDir} (run \`postern config check\` for the full list)\n`,
  );
  return { file, config: null, service: { state_dir: found.stateDir } };
}

export function listPlugins(config: Config): PluginListing[] {
  return discoverInRoots(searchRoots(config.plugins_dirs));
}
