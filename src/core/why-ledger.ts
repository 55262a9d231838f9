/**
 * The why-ledger (docs/operations.md): every time the scheduler finds a plugin due and does not enqueue
 * its poll, the decision is recorded. Repeats of the same kind in a row coalesce into one entry
 * (count, first and last time, the latest wording), so a skip that lasts all night is one row.
 */
import type { SkipKind } from "./schedule-decision.js";

/** Why a due poll was not enqueued, plus `missed_while_down`: runs missed during downtime, run once. */
export type LedgerKind = SkipKind | "missed_while_down";

/** Entries kept per plugin; older ones go first. */
export const LEDGER_ROWS_PER_PLUGIN = 1000;

export interface LedgerEntry {
  kind: string;
  reason: string;
  count: number;
  first_at: number;
  last_at: number;
}

/** Extend the latest entry when the decision repeats it, else start a new one. */
export function ledgerStep(
  latest: LedgerEntry | null,
  kind: string,
  reason: string,
  at: number,
): { extend: LedgerEntry } | { insert: LedgerEntry } {
  if (latest !== null && latest.kind === kind) {
    return { extend: { ...latest, reason, count: latest.count + 1, last_at: Math.max(latest.last_at, at) } };
  }
  return { insert: { kind, reason, count: 1, first_at: at, last_at: at } };
}
