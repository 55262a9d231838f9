/**
 * `postern doctor`: can SQLite keep a WAL database in this directory (a network or FUSE file
 * system often cannot)? A scratch database beside the real one, written once and removed.
 */
import { rmSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { verifyWal } from "./db.js";

/** null when WAL works here, else what went wrong. */
export function probeWal(dir: string): string | null {
  const file = path.join(dir, `.postern-doctor-${process.pid}.db`);
  let db: Database.Database | null = null;
  try {
    db = new Database(file);
    db.pragma("journal_mode = WAL");
    verifyWal(db, file);
    db.exec("CREATE TABLE probe (x); INSERT INTO probe VALUES (1);");
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    db?.close();
    for (const suffix of ["", "-wal", "-shm"]) rmSync(`${file}${suffix}`, { force: true });
  }
}
