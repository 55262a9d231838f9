/**
 * `postern backup FILE` (docs/operations.md): an online, consistent copy of the database while the daemon
 * keeps writing. `VACUUM INTO` reads one snapshot in a single read transaction (WAL: writers are
 * not blocked, and every commit before it started is in the copy), unlike the backup API,
 * which restarts when another process writes meanwhile. The copy goes to a temp name beside the
 * target, is fsynced and passes `integrity_check` before it is renamed into place: no partial
 * or unchecked file ever carries the target's name.
 */
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { PosternError } from "../core/errors.js";

export interface BackupResult {
  file: string;
  bytes: number;
  duration_ms: number;
  integrity: "ok";
  /** Jobs in the copy (a quick way to see that it holds what it should). */
  jobs: number;
}

/** `integrity_check` (or the faster `quick_check`) of a database file: "ok" or the problems. */
export function checkFile(file: string, opts: { quick?: boolean } = {}): string[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return checkOpen(db, opts);
  } finally {
    db.close();
  }
}

export function checkOpen(db: Database.Database, opts: { quick?: boolean } = {}): string[] {
  const rows = db.pragma(opts.quick ? "quick_check(20)" : "integrity_check(20)", { simple: false }) as Record<
    string,
    string
  >[];
  return rows.map((r) => String(Object.values(r)[0]));
}

export function backupDatabase(
  db: Database.Database,
  target: string,
  opts: { force: boolean; now: () => number },
): BackupResult {
  const file = path.resolve(target);
  const dir = path.dirname(file);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new PosternError(
      "backup_dir_missing",
      `cannot write ${file}: the directory ${dir} does not exist; create it first`,
    );
  }
  if (existsSync(file) && !opts.force) {
    throw new PosternError("backup_exists", `${file} already exists; pass --force to overwrite it`);
  }
  const temp = path.join(dir, `.${path.basename(file)}.partial-${process.pid}`);
  const started = opts.now();
  try {
    rmSync(temp, { force: true });
    db.prepare("VACUUM INTO ?").run(temp);
    const fd = openSync(temp, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const copy = new Database(temp, { readonly: true, fileMustExist: true });
    let problems: string[];
    let jobs: number;
    try {
      problems = checkOpen(copy);
      jobs = copy.prepare("SELECT count(*) FROM jobs").pluck().get() as number;
    } finally {
      copy.close();
    }
    if (problems.length !== 1 || problems[0] !== "ok") {
      throw new PosternError(
        "backup_corrupt",
        `the copy failed integrity_check (${problems.slice(0, 3).join("; ")}); nothing was written to ${file}`,
      );
    }
    const bytes = statSync(temp).size;
    renameSync(temp, file);
    return { file, bytes, duration_ms: opts.now() - started, integrity: "ok", jobs };
  } catch (e) {
    rmSync(temp, { force: true });
    if (e instanceof PosternError) throw e;
    const detail = e instanceof Error ? e.message : String(e);
    throw new PosternError(
      "backup_failed",
      `backup to ${file} failed: ${detail}; no partial file was left (check free space and permissions of ${dir})`,
    );
  }
}
