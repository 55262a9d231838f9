/**
 * System events (docs/operations.md): the coalescing state per (type, plugin, command) and the events
 * sent. Written by store/system-events.ts inside the caller's transaction.
 */
import type { Database } from "better-sqlite3";
import { isoUtc } from "../core/clock.js";
import {
  type AlertState,
  flushDueAt,
  NO_ALERT_STATE,
  type PendingAlert,
  type PlannedSystemEvent,
  type SystemEventPayload,
} from "../core/system-events.js";
import { type Prepared, prepareAll } from "./prepare.js";

export const ALERTS_SQL = {
  get: "SELECT last_sent_at, pending FROM alert_state WHERE type = ? AND plugin = ? AND command = ?",
  put: `
    INSERT INTO alert_state (type, plugin, command, last_sent_at, pending, due_at)
    VALUES (@type, @plugin, @command, @last_sent_at, @pending, @due_at)
    ON CONFLICT (type, plugin, command) DO UPDATE SET
      last_sent_at = excluded.last_sent_at, pending = excluded.pending, due_at = excluded.due_at`,
  due: `SELECT type, plugin, command, last_sent_at, pending FROM alert_state
        WHERE due_at IS NOT NULL AND due_at <= ? ORDER BY due_at LIMIT ?`,
  insertEvent: `
    INSERT INTO system_events (event_id, type, plugin, command, payload, cause_job_id, created_at, routes)
    VALUES (@event_id, @type, @plugin, @command, @payload, @cause_job_id, @created_at, @routes)`,
  // Two statements, not "(? IS NULL OR plugin = ?)": that form scans the whole table from the
  // newest row for a plugin with few events; this one seeks system_events_plugin.
  recentOfPlugin: "SELECT * FROM system_events WHERE plugin = ? ORDER BY seq DESC LIMIT ?",
  recentAll: "SELECT * FROM system_events ORDER BY seq DESC LIMIT ?",
  countByType: "SELECT type, COUNT(*) AS n FROM system_events GROUP BY type",
  prune: "DELETE FROM system_events WHERE created_at < ?",
} as const;

interface StateRow {
  last_sent_at: string | null;
  pending: string | null;
}

/** One sent system event as stored. */
export interface SystemEventRow {
  seq: number;
  event_id: string;
  type: string;
  plugin: string;
  command: string;
  payload: SystemEventPayload;
  cause_job_id: string | null;
  created_at: string;
  routes: { to: string; job_id: string | null; dropped: string | null }[];
}

export class AlertsTable {
  private readonly s: Prepared<typeof ALERTS_SQL>;

  constructor(db: Database) {
    this.s = prepareAll(db, ALERTS_SQL);
  }

  get(type: string, plugin: string, command: string): AlertState {
    const row = this.s.get.get(type, plugin, command) as StateRow | undefined;
    return row === undefined ? NO_ALERT_STATE : toState(row);
  }

  put(type: string, plugin: string, command: string, state: AlertState, minIntervalMs: number): void {
    const due = flushDueAt(state, minIntervalMs);
    this.s.put.run({
      type,
      plugin,
      command,
      last_sent_at: state.last_sent_at === null ? null : isoUtc(state.last_sent_at),
      pending: state.pending === null ? null : JSON.stringify(state.pending),
      due_at: due === null ? null : isoUtc(due),
    });
  }

  /** Keys with something pending whose flush is due at `nowMs` (due_at is written with the interval then current). */
  due(nowMs: number, limit: number): { type: string; plugin: string; command: string; state: AlertState }[] {
    const rows = this.s.due.all(isoUtc(nowMs), limit) as (StateRow & {
      type: string;
      plugin: string;
      command: string;
    })[];
    return rows.map((r) => ({ type: r.type, plugin: r.plugin, command: r.command, state: toState(r) }));
  }

  insertEvent(ev: PlannedSystemEvent): void {
    this.s.insertEvent.run({
      event_id: ev.event_id,
      type: ev.type,
      plugin: ev.plugin,
      command: ev.command,
      payload: JSON.stringify(ev.payload),
      cause_job_id: ev.cause_job_id,
      created_at: ev.timestamp,
      routes: JSON.stringify(ev.routes),
    });
  }

  /** Newest first; of one plugin, or of all when plugin is null. */
  recent(plugin: string | null, limit: number): SystemEventRow[] {
    const found = plugin === null ? this.s.recentAll.all(limit) : this.s.recentOfPlugin.all(plugin, limit);
    const rows = found as (Omit<SystemEventRow, "payload" | "routes"> & {
      payload: string;
      routes: string;
    })[];
    return rows.map((r) => ({ ...r, payload: JSON.parse(r.payload), routes: JSON.parse(r.routes) }));
  }

  countByType(): Map<string, number> {
    const rows = this.s.countByType.all() as { type: string; n: number }[];
    return new Map(rows.map((r) => [r.type, r.n]));
  }

  prune(olderThanMs: number): number {
    return this.s.prune.run(isoUtc(olderThanMs)).changes;
  }
}

function toState(row: StateRow): AlertState {
  return {
    last_sent_at: row.last_sent_at === null ? null : Date.parse(row.last_sent_at),
    pending: row.pending === null ? null : (JSON.parse(row.pending) as PendingAlert),
  };
}
