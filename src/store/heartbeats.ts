/** Heartbeat rows (docs/operations.md): read and written with the pure step of core/heartbeat.ts. */
import type { Database } from "better-sqlite3";
import { isoUtc } from "../core/clock.js";
import type { HeartbeatKind, HeartbeatState } from "../core/heartbeat.js";
import { type Prepared, prepareAll } from "./prepare.js";

export const HEARTBEATS_SQL = {
  get: "SELECT started_at, last_at, missed_at FROM heartbeats WHERE plugin = ? AND kind = ?",
  put: `
    INSERT INTO heartbeats (plugin, kind, started_at, last_at, missed_at)
    VALUES (@plugin, @kind, @started_at, @last_at, @missed_at)
    ON CONFLICT (plugin, kind) DO UPDATE SET
      started_at = excluded.started_at, last_at = excluded.last_at, missed_at = excluded.missed_at`,
  // Written in the attempt's commit when it emitted events; a plugin not yet evaluated has no row.
  sawEvent: `UPDATE heartbeats SET last_at = ? WHERE plugin = ? AND kind = 'event' AND (last_at IS NULL OR last_at < ?)`,
  lastSuccess: "SELECT MAX(last_success_at) AS at FROM breakers WHERE plugin = ?",
  forPlugin: "SELECT kind, started_at, last_at, missed_at FROM heartbeats WHERE plugin = ? ORDER BY kind",
  all: "SELECT plugin, kind, started_at, last_at, missed_at FROM heartbeats ORDER BY plugin, kind",
} as const;

interface Row {
  started_at: string;
  last_at: string | null;
  missed_at: string | null;
}

export interface HeartbeatRow extends Row {
  plugin: string;
  kind: HeartbeatKind;
}

const ms = (t: string | null) => (t === null ? null : Date.parse(t));

export class HeartbeatsTable {
  private readonly s: Prepared<typeof HEARTBEATS_SQL>;

  constructor(db: Database) {
    this.s = prepareAll(db, HEARTBEATS_SQL);
  }

  get(plugin: string, kind: HeartbeatKind): HeartbeatState | null {
    const row = this.s.get.get(plugin, kind) as Row | undefined;
    if (row === undefined) return null;
    return { started_at: Date.parse(row.started_at), last_at: ms(row.last_at), missed_at: ms(row.missed_at) };
  }

  put(plugin: string, kind: HeartbeatKind, state: HeartbeatState): void {
    this.s.put.run({
      plugin,
      kind,
      started_at: isoUtc(state.started_at),
      last_at: state.last_at === null ? null : isoUtc(state.last_at),
      missed_at: state.missed_at === null ? null : isoUtc(state.missed_at),
    });
  }

  sawEvent(plugin: string, atIso: string): void {
    this.s.sawEvent.run(atIso, plugin, atIso);
  }

  lastSuccess(plugin: string): number | null {
    return ms((this.s.lastSuccess.get(plugin) as { at: string | null }).at);
  }

  list(plugin?: string): HeartbeatRow[] {
    if (plugin === undefined) return this.s.all.all() as HeartbeatRow[];
    return (this.s.forPlugin.all(plugin) as Omit<HeartbeatRow, "plugin">[]).map((r) => ({ ...r, plugin }));
  }
}
