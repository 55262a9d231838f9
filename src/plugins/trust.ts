import fs from "node:fs";
import path from "node:path";

/**
 * Trust checks of docs/plugins.md, "Trust checks". Discovery runs them at load and the runner again at every spawn
 * (a symlink or a mode can change in between), so they hold no state and cost a few syscalls.
 */

export type DirCheck = { ok: true; dirReal: string } | { ok: false; reason: string };
export type EntrypointCheck = { ok: true; entrypointReal: string } | { ok: false; reason: string };

/** Strictly below `root`: a plugin that resolves to plugins_dir itself is not inside it. */
export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/** Quotes a path only when needed, so a suggested command can be pasted into a shell. */
export function shellQuote(p: string): string {
  return /^[\w@%+=:,./-]+$/.test(p) ? p : `'${p.replaceAll("'", `'\\''`)}'`;
}

function errCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? String(e);
}

function worldWritable(mode: number): boolean {
  return (mode & 0o002) !== 0;
}

/**
 * Root may execute a file when any execute bit is set (as the kernel decides), and access(2)
 * answers yes for root regardless, so for root the bits are read directly.
 */
function executable(file: string, mode: number): boolean {
  if (process.getuid?.() === 0) return (mode & 0o111) !== 0;
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The plugin directory must resolve strictly inside plugins_dir and not be world-writable. */
export function checkPluginDir(pluginsDirReal: string, pluginDir: string): DirCheck {
  try {
    return checkDir(pluginsDirReal, pluginDir);
  } catch (e) {
    return { ok: false, reason: `trust check of ${pluginDir} failed (${errCode(e)})` };
  }
}

function checkDir(pluginsDirReal: string, pluginDir: string): DirCheck {
  let dirReal: string;
  try {
    dirReal = fs.realpathSync(pluginDir);
  } catch (e) {
    const code = errCode(e);
    if (code === "ENOENT")
      return { ok: false, reason: `plugin directory ${pluginDir} does not exist (dangling symlink?)` };
    return { ok: false, reason: `plugin directory ${pluginDir} cannot be resolved (${code})` };
  }
  if (!isInside(pluginsDirReal, dirReal))
    return {
      ok: false,
      reason: `plugin directory resolves to ${dirReal}, outside plugins_dir ${pluginsDirReal} (move the plugin into plugins_dir instead of symlinking to it)`,
    };
  // A root anyone can write to lets anyone plant or replace a plugin in it (docs/plugins.md, "Trust checks").
  if (worldWritable(fs.statSync(pluginsDirReal).mode))
    return {
      ok: false,
      reason: `search root ${pluginsDirReal} is world-writable: whoever can write there can plant or replace a plugin (chmod o-w ${shellQuote(pluginsDirReal)})`,
    };
  const st = fs.statSync(dirReal);
  if (!st.isDirectory()) return { ok: false, reason: `${pluginDir} is not a directory` };
  if (worldWritable(st.mode))
    return { ok: false, reason: `plugin directory is world-writable (chmod o-w ${shellQuote(pluginDir)})` };
  return { ok: true, dirReal };
}

/**
 * Every check of docs/plugins.md, "Trust checks" for one plugin. `entrypoint` is the manifest's value, relative to
 * `pluginDir`. On success, spawn `entrypointReal` (the path that was checked), not a re-resolved one.
 */
export function checkEntrypoint(
  pluginsDirReal: string,
  pluginDir: string,
  entrypoint: string,
): EntrypointCheck {
  try {
    return check(pluginsDirReal, pluginDir, entrypoint);
  } catch (e) {
    // A file can vanish or change between two syscalls; that is a refusal, never a crash.
    return { ok: false, reason: `trust check of ${pluginDir} failed (${errCode(e)})` };
  }
}

function check(pluginsDirReal: string, pluginDir: string, entrypoint: string): EntrypointCheck {
  if (path.isAbsolute(entrypoint))
    return {
      ok: false,
      reason: `entrypoint ${entrypoint} is absolute; give a path relative to the plugin directory (e.g. run.py)`,
    };
  if (entrypoint.split(/[\\/]/).includes(".."))
    return {
      ok: false,
      reason: `entrypoint ${entrypoint} contains ".."; it must live inside the plugin directory`,
    };

  const dir = checkPluginDir(pluginsDirReal, pluginDir);
  if (!dir.ok) return dir;

  const shown = path.join(pluginDir, entrypoint);
  let real: string;
  try {
    real = fs.realpathSync(path.join(dir.dirReal, entrypoint));
  } catch (e) {
    const code = errCode(e);
    if (code !== "ENOENT")
      return {
        ok: false,
        reason: `entrypoint ${entrypoint} cannot be resolved (${code}; check ${shellQuote(shown)})`,
      };
    const dangling = fs
      .lstatSync(path.join(dir.dirReal, entrypoint), { throwIfNoEntry: false })
      ?.isSymbolicLink();
    return {
      ok: false,
      reason: dangling
        ? `entrypoint ${entrypoint} is a symlink whose target does not exist`
        : `entrypoint ${entrypoint} not found in ${pluginDir} (create it or fix "entrypoint" in manifest.yaml)`,
    };
  }
  if (!isInside(pluginsDirReal, real))
    return {
      ok: false,
      reason: `entrypoint ${entrypoint} resolves to ${real}, outside plugins_dir ${pluginsDirReal} (copy the file into the plugin directory instead of symlinking to it)`,
    };

  const st = fs.statSync(real);
  if (!st.isFile())
    return {
      ok: false,
      reason: `entrypoint ${entrypoint} is ${st.isDirectory() ? "a directory" : "not a regular file"}; it must be an executable file`,
    };
  if (worldWritable(st.mode))
    return {
      ok: false,
      reason: `entrypoint ${entrypoint} is world-writable (chmod o-w ${shellQuote(shown)})`,
    };

  // Whoever can write a directory on the way to the entrypoint can swap it, so those count too.
  for (let d = path.dirname(real); d !== dir.dirReal && isInside(pluginsDirReal, d); d = path.dirname(d)) {
    if (worldWritable(fs.statSync(d).mode))
      return {
        ok: false,
        reason: `directory ${d} holding the entrypoint is world-writable (chmod o-w ${shellQuote(d)})`,
      };
  }

  if (!executable(real, st.mode))
    return {
      ok: false,
      reason: `entrypoint ${entrypoint} is not executable (chmod +x ${shellQuote(shown)})`,
    };
  return { ok: true, entrypointReal: real };
}

/**
 * The spawn-time repeat of the trust checks (docs/design.md, "Outcome of an attempt"): a symlink or mode can change after
 * load. Returns a function the runner calls right before spawning; it yields a refusal or null.
 */
export function trustRecheck(plugin: {
  dir: string;
  entrypoint: string;
  root: string;
  manifest: { entrypoint: string };
}): () => string | null {
  return () => {
    const result = checkEntrypoint(plugin.root, plugin.dir, plugin.manifest.entrypoint);
    if (!result.ok) return result.reason;
    if (result.entrypointReal !== plugin.entrypoint) {
      return `entrypoint now resolves to ${result.entrypointReal}, not ${plugin.entrypoint} as at load (reload to accept the change)`;
    }
    return null;
  };
}
