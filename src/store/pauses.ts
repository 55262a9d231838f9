/**
 * Paused plugins and commands (docs/operations.md, `postern pause`). A row with command '' pauses the
 * whole plugin. The claim skips paused jobs by an exclusion key: the plugin's name for the
 * whole plugin, "plugin command" for one command (names cannot hold a space).
 */
import type { Database } from "better-sqlite3";
import { type Prepared, prepareAll } from "./prepare.js";

export interface PauseRow {
  plugin: string;
  /** null: the whole plugin. */
  command: string | null;
  paused_at: string;
}

export const PAUSES_SQL = {
  all: "SELECT plugin, nullif(command, '') AS command, paused_at FROM pauses ORDER BY plugin, command",
  forPlugin:
    "SELECT plugin, nullif(command, '') AS command, paused_at FROM pauses WHERE plugin = ? ORDER BY command",
  keys: "SELECT CASE command WHEN '' THEN plugin ELSE plugin || ' ' || command END AS k FROM pauses",
  covers: "SELECT 1 FROM pauses WHERE plugin = ? AND command IN ('', ?) LIMIT 1",
  insert: `INSERT INTO pauses (plugin, command, paused_at) VALUES (?, ?, ?)
           ON CONFLICT (plugin, command) DO NOTHING`,
  removeOne:
    "DELETE FROM pauses WHERE plugin = ? AND command = ? RETURNING plugin, nullif(command, '') AS command, paused_at",
  removeAll:
    "DELETE FROM pauses WHERE plugin = ? RETURNING plugin, nullif(command, '') AS command, paused_at",
} as const;

/** The claim's exclusion key of a job of (plugin, command): see the module comment. */
export function pauseKey(plugin: string, command: string | null): string {
  return command === null ? plugin : `${plugin} ${command}`;
}

export class PausesTable {
  private readonly s: Prepared<typeof PAUSES_SQL>;

  constructor(db: Database) {
    this.s = prepareAll(db, PAUSES_SQL);
  }

  all(): PauseRow[] {
    return this.s.all.all() as PauseRow[];
  }

  forPlugin(plugin: string): PauseRow[] {
    return this.s.forPlugin.all(plugin) as PauseRow[];
  }

  keys(): string[] {
    return this.s.keys.pluck().all() as string[];
  }

  /** Whether jobs of (plugin, command) are held: the plugin or that command is paused. */
  covers(plugin: string, command: string): boolean {
    return this.s.covers.get(plugin, command) !== undefined;
  }

  /** false when it was paused already (the first pause's time is kept). */
  add(plugin: string, command: string | null, nowIso: string): boolean {
    return this.s.insert.run(plugin, command ?? "", nowIso).changes === 1;
  }

  /** Without a command: every pause of the plugin (whole and per command). */
  remove(plugin: string, command: string | null): PauseRow[] {
    return (
      command === null ? this.s.removeAll.all(plugin) : this.s.removeOne.all(plugin, command)
    ) as PauseRow[];
  }
}
