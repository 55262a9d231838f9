/**
 * Circuit breaker rows per (plugin, command) (SPEC §9). Only the counting lives here for now;
 * the open/half-open transitions belong to the scheduler, which reads and writes these rows.
 */
import type { Database } from "better-sqlite3";
import { type Prepared, prepareAll } from "./prepare.js";

export type BreakerState = "closed" | "open" | "half_open";

export interface BreakerRow {
  plugin: string;
  command: string;
  failures: number;
  state: BreakerState;
  opened_at: string | null;
  updated_at: string;
}

export const BREAKERS_SQL = {
  increment: `
    INSERT INTO breakers (plugin, command, failures, updated_at) VALUES (?, ?, 1, ?)
    ON CONFLICT (plugin, command) DO UPDATE SET failures = failures + 1, updated_at = excluded.updated_at`,
  resetCount: `
    INSERT INTO breakers (plugin, command, failures, updated_at) VALUES (?, ?, 0, ?)
    ON CONFLICT (plugin, command) DO UPDATE SET failures = 0, updated_at = excluded.updated_at`,
  close: `
    UPDATE breakers SET failures = 0, state = 'closed', opened_at = NULL, updated_at = ?
    WHERE plugin = ?`,
  closeOne: `
    UPDATE breakers SET failures = 0, state = 'closed', opened_at = NULL, updated_at = ?
    WHERE plugin = ? AND command = ?`,
  forPlugin: "SELECT * FROM breakers WHERE plugin = ? ORDER BY command",
  all: "SELECT * FROM breakers ORDER BY plugin, command",
} as const;

export class BreakersTable {
  private readonly s: Prepared<typeof BREAKERS_SQL>;

  constructor(db: Database) {
    this.s = prepareAll(db, BREAKERS_SQL);
  }

  apply(plugin: string, command: string, change: "reset" | "increment", nowIso: string): void {
    (change === "reset" ? this.s.resetCount : this.s.increment).run(plugin, command, nowIso);
  }

  /** `postern reset`: closes the circuit(s) at once. */
  close(plugin: string, command: string | undefined, nowIso: string): number {
    return command === undefined
      ? this.s.close.run(nowIso, plugin).changes
      : this.s.closeOne.run(nowIso, plugin, command).changes;
  }

  list(plugin?: string): BreakerRow[] {
    return (plugin === undefined ? this.s.all.all() : this.s.forPlugin.all(plugin)) as BreakerRow[];
  }
}
