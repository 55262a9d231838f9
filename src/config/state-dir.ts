/**
 * The state directory on disk (docs/daemon.md): checks that can refuse `service.state_dir` before
 * anything is created in it, a bounded `mkdir -p`, and the refusal of symbolic links where
 * the daemon writes (lock, database).
 *
 * Node's `mkdirSync(…, { recursive: true })` loops forever under /proc (mkdir says ENOENT,
 * the parent says EEXIST, repeat), at 100 % CPU and deaf to SIGTERM; makeStateDir walks the
 * path's components once instead.
 */
import { lstatSync, mkdirSync, type Stats, statSync } from "node:fs";
import { dirname, resolve, sep } from "node:path";
import { PosternError, type Problem } from "../core/errors.js";
import { configLine } from "./load.js";
import { formatPath } from "./paths.js";
import type { Config } from "./types.js";

/** Kernel file systems: nothing Postern writes can live there. */
const KERNEL_FILE_SYSTEMS = ["/proc", "/sys", "/dev"];

function statOrNull(path: string, follow = true): Stats | null {
  try {
    return follow ? statSync(path) : lstatSync(path);
  } catch {
    return null;
  }
}

/**
 * Why `dir` cannot be a state directory, or null when it may be one (it exists as a directory,
 * or its nearest existing ancestor is a directory it can be created in). Never creates anything.
 */
export function stateDirProblem(dir: string): string | null {
  const abs = resolve(dir);
  const kernel = KERNEL_FILE_SYSTEMS.find((root) => abs === root || abs.startsWith(`${root}${sep}`));
  if (kernel !== undefined) {
    return `${abs} is under ${kernel}, a kernel file system where the daemon cannot keep its files; choose a directory on a local disk`;
  }
  // Bounded by the number of components: dirname() of the root is the root.
  for (let path = abs; ; path = dirname(path)) {
    const stats = statOrNull(path);
    if (stats !== null) {
      if (stats.isDirectory()) return null;
      return path === abs
        ? `${abs} exists and is not a directory; choose a directory (or a path that does not exist yet)`
        : `${abs} cannot be created: ${path} exists and is not a directory`;
    }
    if (dirname(path) === path) return null;
  }
}

/** `mkdir -p` that visits each component once; throws a PosternError naming service.state_dir. */
export function makeStateDir(dir: string): void {
  const abs = resolve(dir);
  const problem = stateDirProblem(abs);
  if (problem !== null) throw new PosternError("state_dir_invalid", `service.state_dir: ${problem}`);
  const parts = abs.split(sep).filter((part) => part !== "");
  let path = "";
  for (const part of parts) {
    path = `${path}${sep}${part}`;
    try {
      mkdirSync(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EEXIST" && statOrNull(path)?.isDirectory() === true) continue;
      throw new PosternError(
        "state_dir_invalid",
        `service.state_dir: cannot create ${abs}: ${code === "EEXIST" ? `${path} exists and is not a directory` : (e as Error).message}; choose a directory the daemon's user can create and write`,
      );
    }
  }
}

/**
 * Refuses a symbolic link where the daemon writes: a link named postern.lock would have its
 * target truncated, a dangling postern.db link would make SQLite create its target anywhere.
 */
export function refuseSymlink(file: string, what: string): void {
  if (statOrNull(file, false)?.isSymbolicLink() !== true) return;
  throw new PosternError(
    "state_file_symlink",
    `${file} (${what}) is a symbolic link; Postern does not follow links in service.state_dir. Remove the link (move the file it points to into its place if that is the real one), or point service.state_dir at the real directory`,
  );
}

/** stateDirProblem as a config problem, for `config check`, start and reload. */
export function checkStateDir(config: Config): Problem[] {
  const problem = stateDirProblem(config.service.state_dir);
  if (problem === null) return [];
  const path = ["service", "state_dir"];
  return [{ file: config.file, path: formatPath(path), line: configLine(config, path), message: problem }];
}
