/** Plugin state rows (docs/jobs.md, "Plugin state"): one JSON object per plugin, handed whole to every request. */
import type { Database } from "better-sqlite3";
import type { JsonObject } from "../core/state.js";
import { type Prepared, prepareAll } from "./prepare.js";

export const STATE_SQL = {
  get: "SELECT state FROM plugin_state WHERE plugin = ?",
  put: `
    INSERT INTO plugin_state (plugin, state, updated_at) VALUES (?, ?, ?)
    ON CONFLICT (plugin) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
} as const;

export class StateTable {
  private readonly s: Prepared<typeof STATE_SQL>;

  constructor(db: Database) {
    this.s = prepareAll(db, STATE_SQL);
  }

  /** A plugin that never stored anything has the empty state. */
  get(plugin: string): JsonObject {
    const row = this.s.get.get(plugin) as { state: string } | undefined;
    // JSON.parse defines `__proto__` as an own data key, never as the prototype: keys stay data.
    return row === undefined ? {} : (JSON.parse(row.state) as JsonObject);
  }

  put(plugin: string, serialized: string, nowIso: string): void {
    this.s.put.run(plugin, serialized, nowIso);
  }
}
