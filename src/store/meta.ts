/**
 * Small facts the daemon records for the CLI to read (the daemon's start time, the last reload
 * verdict, plugin init results): JSON values in the `meta` table, one key each.
 */
import type Database from "better-sqlite3";

export class MetaTable {
  private readonly getStmt: Database.Statement<[string], { value: string }>;
  private readonly putStmt: Database.Statement<[string, string]>;

  constructor(db: Database.Database) {
    this.getStmt = db.prepare("SELECT value FROM meta WHERE key = ?");
    this.putStmt = db.prepare(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    );
  }

  get<T>(key: string): T | null {
    const row = this.getStmt.get(key);
    if (!row) return null;
    try {
      return JSON.parse(row.value) as T;
    } catch {
      return null;
    }
  }

  put(key: string, value: unknown): void {
    this.putStmt.run(key, JSON.stringify(value));
  }
}
