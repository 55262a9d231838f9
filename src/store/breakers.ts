/**
 * Circuit breaker rows per (plugin, command) (docs/scheduling.md). Every change goes through the pure
 * reducer (core/breaker.ts): an attempt's outcome inside its commit transaction (so the
 * circuit opens in the same commit as the failure that reached the threshold), the
 * scheduler's time step, and `postern reset`.
 */
import type { Database } from "better-sqlite3";
import {
  type Breaker,
  type BreakerEvent,
  type BreakerState,
  CLOSED,
  reduceBreaker,
} from "../core/breaker.js";
import { isoUtc } from "../core/clock.js";
import { type Prepared, prepareAll } from "./prepare.js";

export type { BreakerState };

export interface BreakerRow {
  plugin: string;
  command: string;
  failures: number;
  state: BreakerState;
  opened_at: string | null;
  updated_at: string;
  last_success_at: string | null;
  last_failure_at: string | null;
  /** Why it is in its state: "3 consecutive failures", "postern reset", ... */
  reason: string | null;
}

/** A state change, for the log line and the caller's decisions. */
export interface BreakerTransition {
  plugin: string;
  command: string;
  from: BreakerState;
  to: BreakerState;
  reason: string;
  failures: number;
  opened_at: string | null;
}

export const BREAKERS_SQL = {
  get: "SELECT * FROM breakers WHERE plugin = ? AND command = ?",
  put: `
    INSERT INTO breakers (plugin, command, failures, state, opened_at, updated_at, last_success_at,
                          last_failure_at, reason)
    VALUES (@plugin, @command, @failures, @state, @opened_at, @updated_at, @last_success_at,
            @last_failure_at, @reason)
    ON CONFLICT (plugin, command) DO UPDATE SET
      failures = excluded.failures, state = excluded.state, opened_at = excluded.opened_at,
      updated_at = excluded.updated_at, last_success_at = excluded.last_success_at,
      last_failure_at = excluded.last_failure_at, reason = excluded.reason`,
  close: `
    UPDATE breakers SET failures = 0, state = 'closed', opened_at = NULL, updated_at = ?,
                        reason = 'postern reset'
    WHERE plugin = ?`,
  closeOne: `
    UPDATE breakers SET failures = 0, state = 'closed', opened_at = NULL, updated_at = ?,
                        reason = 'postern reset'
    WHERE plugin = ? AND command = ?`,
  forPlugin: "SELECT * FROM breakers WHERE plugin = ? ORDER BY command",
  all: "SELECT * FROM breakers ORDER BY plugin, command",
} as const;

export function toBreaker(row: BreakerRow | null | undefined): Breaker {
  if (!row) return CLOSED;
  return {
    state: row.state,
    failures: row.failures,
    openedAt: row.opened_at === null ? null : Date.parse(row.opened_at),
  };
}

export class BreakersTable {
  private readonly s: Prepared<typeof BREAKERS_SQL>;

  constructor(db: Database) {
    this.s = prepareAll(db, BREAKERS_SQL);
  }

  get(plugin: string, command: string): BreakerRow | null {
    return (this.s.get.get(plugin, command) as BreakerRow | undefined) ?? null;
  }

  /** An attempt's outcome; call inside the transaction that records the attempt. */
  apply(
    plugin: string,
    command: string,
    change: "reset" | "increment",
    nowIso: string,
    threshold?: number,
  ): BreakerTransition | null {
    const at = Date.parse(nowIso);
    const event: BreakerEvent =
      change === "reset"
        ? { type: "success", at }
        : threshold === undefined
          ? { type: "failure", at }
          : { type: "failure", at, threshold };
    return this.step(plugin, command, event, { success: change === "reset" });
  }

  /**
   * Applies one event to the stored row and writes the result when anything changed; call
   * inside a write transaction so nothing slips between the read and the write.
   */
  step(
    plugin: string,
    command: string,
    event: BreakerEvent,
    outcome: { success: boolean } | null = null,
  ): BreakerTransition | null {
    const row = this.get(plugin, command);
    const { next, transition } = reduceBreaker(toBreaker(row), event);
    const nowIso = isoUtc(event.at);
    const unchanged =
      row !== null &&
      outcome === null &&
      next.state === row.state &&
      next.failures === row.failures &&
      (next.openedAt === null ? null : isoUtc(next.openedAt)) === row.opened_at;
    if (unchanged) return null;
    const opened_at = next.openedAt === null ? null : isoUtc(next.openedAt);
    this.s.put.run({
      plugin,
      command,
      failures: next.failures,
      state: next.state,
      opened_at,
      updated_at: nowIso,
      last_success_at: outcome?.success === true ? nowIso : (row?.last_success_at ?? null),
      last_failure_at: outcome?.success === false ? nowIso : (row?.last_failure_at ?? null),
      reason: transition?.reason ?? row?.reason ?? null,
    });
    if (transition === null) return null;
    return { plugin, command, ...transition, failures: next.failures, opened_at };
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
