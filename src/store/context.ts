/** What every store operation works with: one connection, its prepared tables, time and ids. */
import type { Database } from "better-sqlite3";
import type { Clock } from "../core/clock.js";
import { AttemptsTable } from "./attempts.js";
import { BreakersTable } from "./breakers.js";
import { DedupeTable } from "./dedupe.js";
import { EventsTable } from "./events.js";
import { JobsTable } from "./jobs.js";
import { StateTable } from "./state.js";

export interface StoreContext {
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
}

export function createContext(db: Database, file: string, clock: Clock, newId: () => string): StoreContext {
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
  };
}

/**
 * A write transaction that takes the write lock up front. A deferred one that reads first and
 * then writes can fail with SQLITE_BUSY at once (busy_timeout does not apply to the upgrade)
 * when the CLI and the daemon write at the same time.
 */
export function writeTx<T>(ctx: StoreContext, fn: () => T): T {
  return ctx.db.transaction(fn).immediate();
}
