/**
 * Opening the database (docs/design.md, "The guarantees"; docs/daemon.md): WAL verified, durable commits, schema migrated, and a
 * write probe, so a state directory that cannot work fails at start with a clear message
 * instead of at the first webhook.
 */
import path from "node:path";
import Database from "better-sqlite3";
import { v7 as uuidv7 } from "uuid";
import { makeStateDir, refuseSymlink } from "../config/state-dir.js";
import type { Clock } from "../core/clock.js";
import { isoUtc } from "../core/clock.js";
import { describe, PosternError } from "../core/errors.js";
import { createConnection } from "./connection.js";
import { checkNotNewer, LATEST_VERSION, migrate } from "./migrations.js";
import { Store } from "./store.js";

export const DB_FILE = "postern.db";

export interface OpenOptions {
  clock: Clock;
  /** For CLI reads: never creates, migrates or writes. */
  readonly?: boolean;
  /** Job and event ids; UUIDv7 unless a test injects its own. */
  newId?: () => string;
}

export function openStore(stateDir: string, opts: OpenOptions): Store {
  const file = path.join(stateDir, DB_FILE);
  const readonly = opts.readonly === true;
  const db = connect(stateDir, file, readonly);
  try {
    // A rollback journal would block readers (the CLI) while the daemon writes.
    // A new file starts with incremental auto-vacuum (docs/operations.md, A bounded file): it
    // must be set before the first page is written, and WAL mode writes one.
    if (!readonly && (db.pragma("page_count", { simple: true }) as number) === 0) {
      db.pragma("auto_vacuum = INCREMENTAL");
    }
    if (!readonly) db.pragma("journal_mode = WAL");
    verifyWal(db, file);
    db.pragma("busy_timeout = 5000");
    // FULL fsyncs the WAL at every commit. The webhook answers 202 and the CLI prints a job id
    // only after commit, so a job they acknowledged must survive a power loss; NORMAL could
    // lose the last commits. The cost is one fsync per commit, fine at this scale.
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");

    const version = checkNotNewer(db, file);
    if (readonly) {
      if (version < LATEST_VERSION) {
        throw new PosternError(
          "db_needs_migration",
          `${file} has schema version ${version}, this Postern needs ${LATEST_VERSION}; ` +
            "start the daemon (or run a write command) once to migrate it",
        );
      }
    } else {
      writable(file, () => {
        migrate(db, file);
        db.prepare(
          "INSERT INTO meta (key, value) VALUES ('last_open_at', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        ).run(isoUtc(opts.clock.now()));
      });
    }
    return new Store(createConnection(db, file, opts.clock, opts.newId ?? (() => uuidv7())), readonly);
  } catch (e) {
    db.close();
    throw notADatabase(e, file) ?? e;
  }
}

/** Garbage or a damaged file where the database should be: what it is and what to do, not a bug. */
function notADatabase(e: unknown, file: string): PosternError | null {
  const code = (e as { code?: unknown } | null)?.code;
  if (code !== "SQLITE_NOTADB" && code !== "SQLITE_CORRUPT") return null;
  const what = code === "SQLITE_NOTADB" ? "is not a SQLite database" : "is a corrupt SQLite database";
  return new PosternError(
    "db_corrupt",
    `${file} ${what} (${(e as Error).message}). With the daemon stopped, move the file aside (keep it for inspection), ` +
      "and put back a backup of postern.db (one made by `postern backup` or `sqlite3 .backup`; " +
      'docs/operations.md, "Backing up and restoring"); ' +
      "without a backup, moving it aside lets the daemon start with an empty queue and no plugin state",
  );
}

function connect(stateDir: string, file: string, readonly: boolean): Database.Database {
  if (!readonly) {
    try {
      makeStateDir(stateDir);
    } catch (e) {
      throw e instanceof PosternError ? new PosternError("db_open_failed", e.message) : e;
    }
  }
  // SQLite follows links: a dangling postern.db link would make it create the target anywhere.
  refuseSymlink(file, "the database");
  refuseSymlink(`${file}-wal`, "the database's write-ahead log");
  refuseSymlink(`${file}-shm`, "the database's shared-memory index");
  try {
    if (readonly) return new Database(file, { readonly: true, fileMustExist: true });
    return new Database(file);
  } catch (e) {
    const detail = describe(e);
    if (readonly && (e as { code?: string }).code === "SQLITE_CANTOPEN") {
      throw new PosternError("db_missing", `cannot open ${file}: ${detail} (has the daemon ever started?)`);
    }
    throw new PosternError(
      "db_open_failed",
      `cannot open the database ${file}: ${detail}; check that ${stateDir} exists (or can be created) and is writable`,
    );
  }
}

/** WAL silently stays off on some file systems (NFS, some FUSE mounts): read it back. */
export function verifyWal(db: Database.Database, file: string): void {
  const mode = String(db.pragma("journal_mode", { simple: true })).toLowerCase();
  if (mode !== "wal") {
    throw new PosternError(
      "wal_unavailable",
      `SQLite WAL mode could not be enabled for ${file} (journal_mode is "${mode}"); ` +
        "put service.state_dir on a local, writable disk (not a network or FUSE file system)",
    );
  }
}

/** The migration and the probe are the first writes: name the likely cause if they fail. */
function writable(file: string, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof PosternError) throw e;
    const detail = describe(e);
    throw new PosternError(
      "db_not_writable",
      `cannot write to ${file}: ${detail}; check the permissions and free space of its directory`,
    );
  }
}
