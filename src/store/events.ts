/** The events table: what a succeeded attempt emitted and what became of each route. */
import type { Database } from "better-sqlite3";
import type { PlannedEvent } from "../core/completion.js";
import { type Prepared, prepareAll } from "./prepare.js";
import type { EventRoute, EventRow } from "./types.js";

export const EVENTS_SQL = {
  insert: `
    INSERT INTO events (event_id, job_id, position, type, payload, dedupe_key, created_at, dropped, routes)
    VALUES (@event_id, @job_id, @position, @type, @payload, @dedupe_key, @created_at, @dropped, @routes)`,
  forJob: "SELECT * FROM events WHERE job_id = ? ORDER BY position",
} as const;

export class EventsTable {
  private readonly s: Prepared<typeof EVENTS_SQL>;

  constructor(db: Database) {
    this.s = prepareAll(db, EVENTS_SQL);
  }

  insert(jobId: string, position: number, ev: PlannedEvent, routes: EventRoute[]): void {
    this.s.insert.run({
      event_id: ev.event_id,
      job_id: jobId,
      position,
      type: ev.type,
      payload: JSON.stringify(ev.payload ?? null),
      dedupe_key: ev.dedupe_key,
      created_at: ev.timestamp,
      dropped: ev.dropped,
      routes: JSON.stringify(routes),
    });
  }

  forJob(jobId: string): EventRow[] {
    return this.s.forJob.all(jobId) as EventRow[];
  }
}
