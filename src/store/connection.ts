/** What every store operation works with: one connection, its prepared tables, time and ids. */
import type { Database } from "better-sqlite3";
import type { Clock } from "../core/clock.js";
import { AlertsTable } from "./alerts.js";
import { AttemptsTable } from "./attempts.js";
import { BreakersTable } from "./breakers.js";
import { DedupeTable } from "./dedupe.js";
import { EventsTable } from "./events.js";
import { HeartbeatsTable } from "./heartbeats.js";
import { JobsTable } from "./jobs.js";
import { StateTable } from "./state.js";
import { WhyLedgerTable } from "./why-ledger.js";

export interface StoreConnection {
  db: Database;
  file: string;
  clock: Clock;
  newId: () => string;
  jobs: JobsTable;
  attempts: AttemptsTable;
  events: EventsTable;
  state: StateTable;
  breakers: BreakersTable;
  dedupe: DedupeTable;
  alerts: AlertsTable;
  heartbeats: HeartbeatsTable;
  whyLedger: WhyLedgerTable;
  /** What the write transactions met since the store opened, for /healthz and /metrics. */
  commits: CommitHealth;
}

/**
 * Whether commits succeed (docs/webhooks.md: a failed commit answers 503; issue 22: /healthz must say
 * so instead of "ok"). `failing` is the outcome of the last write transaction.
 */
export interface CommitHealth {
  failures_total: number;
  failing: boolean;
  /** The last failure: SQLite's error code and when (epoch ms); kept after commits recover. */
  last_error: { code: string; at_ms: number } | null;
}

export function createConnection(
  db: Database,
  file: string,
  clock: Clock,
  newId: () => string,
): StoreConnection {
  return {
    db,
    file,
    clock,
    newId,
    jobs: new JobsTable(db),
    attempts: new AttemptsTable(db),
    events: new EventsTable(db),
    state: new StateTable(db),
    breakers: new BreakersTable(db),
    dedupe: new DedupeTable(db),
    alerts: new AlertsTable(db),
    heartbeats: new HeartbeatsTable(db),
    whyLedger: new WhyLedgerTable(db),
    commits: { failures_total: 0, failing: false, last_error: null },
  };
}

/**
 * A write transaction that takes the write lock up front. A deferred one that reads first and
 * then writes can fail with SQLITE_BUSY at once (busy_timeout does not apply to the upgrade)
 * when the CLI and the daemon write at the same time.
 */
export function writeTx<T>(ctx: StoreConnection, fn: () => T): T {
  let result: T;
  try {
    result = ctx.db.transaction(fn).immediate();
  } catch (e) {
    const code = (e as { code?: unknown } | null)?.code;
    // SQLite refused the commit (disk full, I/O error, busy past the timeout, read-only...);
    // any other exception is a decision of the code inside, not a commit failure.
    if (typeof code === "string" && code.startsWith("SQLITE_")) {
      ctx.commits.failures_total += 1;
      ctx.commits.failing = true;
      ctx.commits.last_error = { code, at_ms: ctx.clock.now() };
    }
    throw e;
  }
  ctx.commits.failing = false;
  return result;
}
