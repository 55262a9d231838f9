/**
 * What most commands need first: which config file, the loaded config, the plugins found.
 * The config file comes from --config, else $POSTERN_CONFIG, else ./postern.yaml (SPEC §3).
 */
import { resolve } from "node:path";
import { loadConfig } from "../config/index.js";
import type { Config } from "../config/types.js";
import { PosternError } from "../core/errors.js";
import { discoverInRoots, searchRoots } from "../plugins/index.js";
import type { PluginListing } from "../plugins/types.js";

export interface GlobalOptions {
  config?: string;
}

export function configPath(opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(opts.config ?? env.POSTERN_CONFIG ?? "postern.yaml");
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

export function listPlugins(config: Config): PluginListing[] {
  return discoverInRoots(searchRoots(config.plugins_dirs));
}
