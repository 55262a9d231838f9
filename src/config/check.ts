/**
 * Cross-checks that need the plugin manifests (docs/configuration.md; docs/plugins.md, "Layout and manifest"): run after discovery, on a
 * Config that loaded. Disabled plugins are not checked: disabling is how an operator parks a
 * plugin whose directory is missing or broken without the whole config being refused, and
 * routes or endpoints to a disabled plugin are handled at run time (events dropped, 404).
 *
 * Config keys that the manifest lists neither as required nor optional are NOT reported: a
 * manifest may omit `optional` for a plugin that takes free-form settings, and a manifest
 * without `config_keys` cannot be told apart from one that accepts nothing, so such an error
 * would refuse working configs. (There is no warning channel here to report it softly.)
 */

import { dirname } from "node:path";
import type { Problem } from "../core/errors.js";
import type { Manifest, PluginCommand, PluginListing } from "../plugins/types.js";
import { configLine, copyLineLookup } from "./load.js";
import { formatPath, type KeyPath, type PathProblem } from "./paths.js";
import { readPluginSecretFiles } from "./secret-file.js";
import type { Config } from "./types.js";

export function checkAgainstPlugins(config: Config, listings: readonly PluginListing[]): Problem[] {
  const problems: Problem[] = [];
  const add = (path: KeyPath, message: string) =>
    problems.push({ file: config.file, path: formatPath(path), line: configLine(config, path), message });
  const byName = new Map(listings.map((listing) => [listing.name, listing]));

  /** The manifest of an enabled plugin that loaded; null when there is nothing (more) to check. */
  const manifestOf = (name: string): Manifest | null => {
    if (config.plugins[name]?.enabled !== true) return null;
    return byName.get(name)?.plugin?.manifest ?? null;
  };
  const lacks = (name: string, command: PluginCommand) => {
    const manifest = manifestOf(name);
    return manifest !== null && !manifest.commands.includes(command);
  };

  for (const [name, plugin] of Object.entries(config.plugins)) {
    if (!plugin.enabled) continue;
    const listing = byName.get(name);
    if (listing === undefined) {
      add(["plugins", name], `no plugin directory "${name}" in ${config.plugins_dirs.join(", ")}`);
      continue;
    }
    const manifest = listing.loaded ? listing.plugin?.manifest : undefined;
    if (manifest === undefined) {
      add(["plugins", name], `plugin "${name}" was refused: ${listing.reason ?? "no reason given"}`);
      continue;
    }
    if (plugin.schedule !== null && !manifest.commands.includes("poll")) {
      add(
        ["plugins", name, "schedule"],
        `plugin "${name}" has a schedule, but its manifest has no "poll" command`,
      );
    }
    for (const key of manifest.config_keys.required) {
      // A key written with no value (`client_id:`) is null: as good as missing for a required key.
      if (!Object.hasOwn(plugin.config, key) || plugin.config[key] === null) {
        add(
          ["plugins", name, "config"],
          `missing required key "${key}" (the manifest of plugin "${name}" requires it)`,
        );
      }
    }
  }

  config.webhooks.endpoints.forEach((endpoint, index) => {
    if (lacks(endpoint.plugin, "handle")) {
      add(
        ["webhooks", "endpoints", index, "plugin"],
        `plugin "${endpoint.plugin}" cannot receive webhooks: its manifest has no "handle" command`,
      );
    }
  });
  config.routes.forEach((route, index) => {
    if (lacks(route.to, "handle")) {
      add(
        ["routes", index, "to"],
        `plugin "${route.to}" cannot receive events: its manifest has no "handle" command`,
      );
    }
  });
  return problems;
}

/**
 * The config with each plugin's `<key>_file` values read (secret-file.ts, readPluginSecretFiles),
 * decided by the manifests found; problems and warnings located in the config file.
 */
export function withPluginSecretFiles(
  config: Config,
  listings: readonly PluginListing[],
): { config: Config; problems: Problem[]; warnings: Problem[] } {
  const manifests = new Map(listings.map((l) => [l.name, l.plugin?.manifest ?? null]));
  const read = readPluginSecretFiles(
    config.plugins,
    (name) => manifests.get(name)?.config_keys ?? null,
    dirname(config.file),
  );
  const locate = (p: PathProblem): Problem => ({
    file: config.file,
    path: formatPath(p.path),
    line: configLine(config, p.path),
    message: p.message,
  });
  if (read.configs.size === 0)
    return { config, problems: read.problems.map(locate), warnings: read.warnings.map(locate) };
  const plugins = { ...config.plugins };
  for (const [name, pluginConfig] of read.configs) {
    const plugin = plugins[name];
    if (plugin !== undefined) plugins[name] = { ...plugin, config: pluginConfig };
  }
  const resolved = { ...config, plugins };
  copyLineLookup(config, resolved);
  return { config: resolved, problems: read.problems.map(locate), warnings: read.warnings.map(locate) };
}
