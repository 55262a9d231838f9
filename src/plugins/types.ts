/** Shapes shared by discovery (plugins/), config cross-checks (config/) and the runner. */
export const COMMANDS = ["poll", "handle", "health", "init"] as const;
export type PluginCommand = (typeof COMMANDS)[number];

/** A validated manifest.yaml (docs/plugins.md, "Layout and manifest"). */
export interface Manifest {
  name: string;
  version: string;
  protocol: 1;
  entrypoint: string;
  description: string | null;
  commands: PluginCommand[];
  config_keys: { required: string[]; optional: string[] };
}

/** A plugin that passed manifest validation and the trust checks of docs/plugins.md, "Trust checks". */
export interface LoadedPlugin {
  name: string;
  /** Real path of the plugin directory (inside the real plugins_dir). */
  dir: string;
  /** Real path of the entrypoint file. */
  entrypoint: string;
  manifest: Manifest;
  /** Real path of the search root it was found in (trust checks are relative to it). */
  root: string;
}

/** A directory searched for plugins (docs/operations.md): the operator's plugins_dir entries, then the package's own. */
export interface SearchRoot {
  /** Where it comes from, for people: `plugins_dir`, `plugins_dir.1`, or `bundled`. */
  key: string;
  /** Real path. */
  real: string;
  bundled: boolean;
}

/** One directory found under plugins_dir, loaded or refused (what `postern plugins` lists). */
export interface PluginListing {
  name: string;
  dir: string;
  loaded: boolean;
  /** Why it was refused; null when loaded. */
  reason: string | null;
  version: string | null;
  commands: PluginCommand[];
  plugin: LoadedPlugin | null;
  /** The search root it was found in; absent for a listing of one bare plugins_dir. */
  root?: SearchRoot;
  /** The operator's plugin of the same name as a bundled one: it wins, and says so. */
  shadowsBundled?: boolean;
}
