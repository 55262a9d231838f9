/** Shapes shared by discovery (plugins/), config cross-checks (config/) and the runner. */
export const COMMANDS = ["poll", "handle", "health", "init"] as const;
export type PluginCommand = (typeof COMMANDS)[number];

/** A validated manifest.yaml (SPEC §4.1). */
export interface Manifest {
  name: string;
  version: string;
  protocol: 1;
  entrypoint: string;
  description: string | null;
  commands: PluginCommand[];
  config_keys: { required: string[]; optional: string[] };
}

/** A plugin that passed manifest validation and the trust checks of SPEC §4.2. */
export interface LoadedPlugin {
  name: string;
  /** Real path of the plugin directory (inside the real plugins_dir). */
  dir: string;
  /** Real path of the entrypoint file. */
  entrypoint: string;
  manifest: Manifest;
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
}
