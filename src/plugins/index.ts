export {
  BUNDLED_PLUGINS_DIR,
  discoverInRoots,
  discoverPlugins,
  pluginRegistry,
  resolvePluginsDir,
  searchRoots,
} from "./discover.js";
export {
  MANIFEST_MAX_BYTES,
  type ManifestResult,
  manifestJsonSchema,
  manifestSchema,
  PROTOCOL_VERSION,
  parseManifest,
} from "./manifest.js";
export {
  checkEntrypoint,
  checkPluginDir,
  type DirCheck,
  type EntrypointCheck,
  trustRecheck,
} from "./trust.js";
export * from "./types.js";
