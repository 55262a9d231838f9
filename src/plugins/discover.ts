import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PosternError } from "../core/errors.js";
import { SYSTEM_SOURCE } from "../core/system-events.js";
import { MANIFEST_MAX_BYTES, parseManifest } from "./manifest.js";
import { checkEntrypoint, checkPluginDir } from "./trust.js";
import type { LoadedPlugin, Manifest, PluginListing, SearchRoot } from "./types.js";

const MANIFEST = "manifest.yaml";

/** Real path of plugins_dir, as the trust checks expect it; throws PosternError when unusable. */
export function resolvePluginsDir(pluginsDir: string): string {
  let real: string;
  try {
    real = fs.realpathSync(pluginsDir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT")
      throw new PosternError(
        "plugins_dir_missing",
        `plugins_dir ${pluginsDir} does not exist (create it, or point plugins_dir in the config at the directory that holds your plugins)`,
      );
    throw new PosternError("plugins_dir_unreadable", `plugins_dir ${pluginsDir} cannot be read (${code})`);
  }
  if (!fs.statSync(real).isDirectory())
    throw new PosternError("plugins_dir_unreadable", `plugins_dir ${pluginsDir} is not a directory`);
  return real;
}

/**
 * A directory, or a symlink to one. A dangling symlink counts too: it was most likely a plugin,
 * and listing it as refused says why it is gone instead of hiding it.
 */
function isCandidate(dirReal: string, entry: fs.Dirent): boolean {
  if (entry.name.startsWith(".")) return false;
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  const st = fs.statSync(path.join(dirReal, entry.name), { throwIfNoEntry: false });
  return st === undefined || st.isDirectory();
}

function readManifest(dirReal: string): { ok: true; text: string } | { ok: false; reason: string } {
  const file = path.join(dirReal, MANIFEST);
  try {
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (st === undefined)
      return { ok: false, reason: `no ${MANIFEST} (add one, or move this directory out of plugins_dir)` };
    if (!st.isFile()) return { ok: false, reason: `${MANIFEST} is not a regular file` };
    if (st.size > MANIFEST_MAX_BYTES)
      return { ok: false, reason: `${MANIFEST} is larger than ${MANIFEST_MAX_BYTES} bytes` };
    return { ok: true, text: fs.readFileSync(file, "utf8") };
  } catch (e) {
    return {
      ok: false,
      reason: `cannot read ${MANIFEST} (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    };
  }
}

function refused(name: string, dir: string, reason: string, manifest: Manifest | null = null): PluginListing {
  return {
    name,
    dir,
    loaded: false,
    reason,
    version: manifest?.version ?? null,
    commands: manifest?.commands ?? [],
    plugin: null,
  };
}

function inspect(pluginsDirReal: string, name: string, root?: SearchRoot): PluginListing {
  const listing = inspectIn(pluginsDirReal, name);
  return root === undefined ? listing : { ...listing, root };
}

function inspectIn(pluginsDirReal: string, name: string): PluginListing {
  const dir = path.join(pluginsDirReal, name);
  if (name === SYSTEM_SOURCE) {
    return refused(
      name,
      dir,
      `"${SYSTEM_SOURCE}" is a reserved name (the source of system events): rename the directory`,
    );
  }
  // The directory is checked before its manifest is read: never parse files from outside plugins_dir.
  const dirCheck = checkPluginDir(pluginsDirReal, dir);
  if (!dirCheck.ok) return refused(name, dir, dirCheck.reason);
  const text = readManifest(dirCheck.dirReal);
  if (!text.ok) return refused(name, dir, text.reason);
  const parsed = parseManifest(text.text, MANIFEST, name);
  if (!parsed.ok) return refused(name, dir, parsed.reason);
  const manifest = parsed.manifest;
  const trust = checkEntrypoint(pluginsDirReal, dir, manifest.entrypoint);
  if (!trust.ok) return refused(name, dir, trust.reason, manifest);
  return {
    name,
    dir,
    loaded: true,
    reason: null,
    version: manifest.version,
    commands: manifest.commands,
    plugin: { name, dir: dirCheck.dirReal, entrypoint: trust.entrypointReal, manifest, root: pluginsDirReal },
  };
}

/**
 * Every plugin directory directly under plugins_dir, loaded or refused, sorted by name.
 * Throws PosternError when plugins_dir itself is missing or unreadable.
 */
export function discoverPlugins(pluginsDir: string): PluginListing[] {
  return listRoot(resolvePluginsDir(pluginsDir));
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function listRoot(real: string, root?: SearchRoot): PluginListing[] {
  return fs
    .readdirSync(real, { withFileTypes: true })
    .filter((e) => isCandidate(real, e))
    .map((e) => e.name)
    .sort(byName)
    .map((name) => inspect(real, name, root));
}

/**
 * The package's own plugins (notify, feed, …): dist/src/plugins/ → plugins/, in a checkout and
 * in an installed package alike.
 */
export const BUNDLED_PLUGINS_DIR = fileURLToPath(new URL("../../../plugins", import.meta.url));

/**
 * The search roots of docs/operations.md, in order: each plugins_dir entry, then the bundled plugins (left
 * out when an entry already is that directory, as in the checkout's example). Throws a
 * PosternError naming the key (`plugins_dir`, `plugins_dir.1`) of a root that is missing.
 */
export function searchRoots(pluginsDirs: readonly string[], bundledDir = BUNDLED_PLUGINS_DIR): SearchRoot[] {
  const roots: SearchRoot[] = pluginsDirs.map((dir, i) => {
    const key = pluginsDirs.length === 1 ? "plugins_dir" : `plugins_dir.${i}`;
    try {
      return { key, real: resolvePluginsDir(dir), bundled: false };
    } catch (e) {
      if (e instanceof PosternError) throw new PosternError(e.code, `${key}: ${e.message}`);
      throw e;
    }
  });
  const bundledReal = fs.realpathSync(bundledDir);
  if (!roots.some((r) => r.real === bundledReal))
    roots.push({ key: "bundled", real: bundledReal, bundled: true });
  return roots;
}

/**
 * Every plugin of every search root, loaded or refused, sorted by name. The first root holding a
 * name wins, whether its plugin loads or is refused: a refused plugin of the operator's never
 * silently becomes the bundled one. Directories a winner hides are not listed.
 */
export function discoverInRoots(roots: readonly SearchRoot[]): PluginListing[] {
  const found = new Map<string, PluginListing>();
  for (const root of roots) {
    for (const listing of listRoot(root.real, root)) {
      const winner = found.get(listing.name);
      if (winner === undefined) found.set(listing.name, listing);
      else if (root.bundled) winner.shadowsBundled = true;
    }
  }
  return [...found.values()].sort((a, b) => byName(a.name, b.name));
}

/** Loaded plugins by name: what the scheduler, router and runner may use. */
export function pluginRegistry(listings: readonly PluginListing[]): Map<string, LoadedPlugin> {
  const registry = new Map<string, LoadedPlugin>();
  for (const l of listings) if (l.plugin !== null) registry.set(l.name, l.plugin);
  return registry;
}
