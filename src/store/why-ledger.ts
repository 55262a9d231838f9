/** The why-ledger's rows (docs/operations.md); the coalescing rule is core/why-ledger.ts's. */
import type { Database } from "better-sqlite3";
import { isoUtc } from "../core/clock.js";
import { LEDGER_ROWS_PER_PLUGIN, type LedgerEntry, ledgerStep } from "../core/why-ledger.js";
import { type Prepared, prepareAll } from "./prepare.js";

export const WHY_LEDGER_SQL = {
  latest: "SELECT * FROM why_ledger WHERE plugin = ? ORDER BY id DESC LIMIT 1",
  insert: `INSERT INTO why_ledger (plugin, kind, reason, count, first_at, last_at)
           VALUES (@plugin, @kind, @reason, @count, @first_at, @last_at)`,
  extend: "UPDATE why_ledger SET reason = @reason, count = @count, last_at = @last_at WHERE id = @id",
  // Beyond the newest LEDGER_ROWS_PER_PLUGIN rows of the plugin: the oldest go.
  trim: `DELETE FROM why_ledger WHERE plugin = ? AND id <= (
           SELECT id FROM why_ledger WHERE plugin = ? ORDER BY id DESC LIMIT 1 OFFSET ${LEDGER_ROWS_PER_PLUGIN})`,
  recent: "SELECT * FROM why_ledger WHERE plugin = ? ORDER BY id DESC LIMIT ?",
  prune: "DELETE FROM why_ledger WHERE last_at < ?",
  counts: "SELECT plugin, kind, SUM(count) AS n FROM why_ledger GROUP BY plugin, kind",
} as const;

export interface LedgerRow {
  id: number;
  plugin: string;
  kind: string;
  reason: string;
  count: number;
  first_at: string;
  last_at: string;
}

export class WhyLedgerTable {
  private readonly s: Prepared<typeof WHY_LEDGER_SQL>;

  constructor(db: Database) {
    this.s = prepareAll(db, WHY_LEDGER_SQL);
  }

  /** One decision; call inside a write transaction. */
  record(plugin: string, kind: string, reason: string, at: number): void {
    const row = this.s.latest.get(plugin) as LedgerRow | undefined;
    const latest: LedgerEntry | null =
      row === undefined
        ? null
        : { ...row, first_at: Date.parse(row.first_at), last_at: Date.parse(row.last_at) };
    const step = ledgerStep(latest, kind, reason, at);
    if ("extend" in step && row !== undefined) {
      this.s.extend.run({
        id: row.id,
        reason,
        count: step.extend.count,
        last_at: isoUtc(step.extend.last_at),
      });
      return;
    }
    const e = "insert" in step ? step.insert : step.extend;
    this.s.insert.run({ plugin, ...e, first_at: isoUtc(e.first_at), last_at: isoUtc(e.last_at) });
    this.s.trim.run(plugin, plugin);
  }

  recent(plugin: string, limit: number): LedgerRow[] {
    return this.s.recent.all(plugin, limit) as LedgerRow[];
  }

  prune(olderThanMs: number): number {
    return this.s.prune.run(isoUtc(olderThanMs)).changes;
  }

  /** Decisions recorded per plugin and kind, of the rows still kept (for /metrics). */
  counts(): { plugin: string; kind: string; n: number }[] {
    return this.s.counts.all() as { plugin: string; kind: string; n: number }[];
  }
}
