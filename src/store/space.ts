/**
 * A bounded file (docs/operations.md): deleting rows does not shrink a SQLite file, and a WAL is only
 * truncated by a TRUNCATE checkpoint. With `auto_vacuum = INCREMENTAL` the pages retention
 * frees go to the freelist and `incremental_vacuum(N)` hands N of them back to the file system,
 * in steps small enough to sit between two jobs. Used by the scheduler's maintenance
 * (scheduler/maintenance.ts), `postern doctor` and the retention benchmark.
 */
import { statSync } from "node:fs";
import type { Database } from "better-sqlite3";

export type AutoVacuum = "none" | "full" | "incremental";

export interface FileSpace {
  page_size: number;
  page_count: number;
  /** Free pages inside the file (reclaimable by incremental_vacuum). */
  freelist_count: number;
  auto_vacuum: AutoVacuum;
  db_bytes: number;
  wal_bytes: number;
}

const AUTO_VACUUM: AutoVacuum[] = ["none", "full", "incremental"];

function size(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

export function fileSpace(db: Database, file: string): FileSpace {
  const n = (pragma: string) => db.pragma(pragma, { simple: true }) as number;
  return {
    page_size: n("page_size"),
    page_count: n("page_count"),
    freelist_count: n("freelist_count"),
    auto_vacuum: AUTO_VACUUM[n("auto_vacuum")] ?? "none",
    db_bytes: size(file),
    wal_bytes: size(`${file}-wal`),
  };
}

/** One step: at most `pages` free pages returned to the file system; returns how many. */
export function incrementalVacuum(db: Database, pages: number): number {
  if (!Number.isInteger(pages) || pages < 1) throw new RangeError("pages must be >= 1");
  // PRAGMA takes no bound parameter; `pages` is our own integer.
  return (db.pragma(`incremental_vacuum(${pages})`) as unknown[]).length;
}

/**
 * `wal_checkpoint(TRUNCATE)` without waiting: a reader holding an old snapshot (the CLI) makes
 * it answer busy at once instead of stalling the daemon for busy_timeout. Returns whether it
 * completed (the WAL is then empty).
 */
export function checkpointTruncate(db: Database): { done: boolean; wal_pages: number } {
  const timeout = db.pragma("busy_timeout", { simple: true }) as number;
  db.pragma("busy_timeout = 0");
  try {
    const row = (db.pragma("wal_checkpoint(TRUNCATE)") as { busy: number; log: number }[])[0];
    return { done: row?.busy === 0, wal_pages: row?.log ?? 0 };
  } catch (e) {
    if ((e as { code?: string }).code === "SQLITE_BUSY") return { done: false, wal_pages: -1 };
    throw e;
  } finally {
    db.pragma(`busy_timeout = ${Math.trunc(timeout)}`);
  }
}

/**
 * Switches an existing database to incremental auto-vacuum: the setting only takes effect
 * through a full VACUUM, which rewrites the file (time about proportional to its size, free
 * space of its size again, the write lock held throughout). The caller decides when.
 */
export function convertToIncremental(db: Database): void {
  db.pragma("auto_vacuum = INCREMENTAL");
  db.exec("VACUUM");
}
