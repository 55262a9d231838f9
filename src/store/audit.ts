/**
 * A whole-database consistency view for the crash test and for operators who want to check a
 * database by hand: SQLite's own integrity check plus every job and event, small enough for
 * the scales Postern is built for (not for use on a hot path).
 */
import type Database from "better-sqlite3";
import type { EventRoute, JobStatus } from "./types.js";

export interface AuditJob {
  id: string;
  plugin: string;
  status: JobStatus;
  attempt: number;
  last_error: string | null;
  attempts_recorded: number;
}

export interface AuditEvent {
  event_id: string;
  job_id: string;
  type: string;
  dropped: string | null;
  routes: EventRoute[];
}

export interface Audit {
  integrity: string;
  jobs: AuditJob[];
  events: AuditEvent[];
}

export function auditDatabase(db: Database.Database): Audit {
  const integrity = (db.pragma("integrity_check") as { integrity_check: string }[])
    .map((r) => r.integrity_check)
    .join("; ");
  const jobs = db
    .prepare(
      `SELECT j.id, j.plugin, j.status, j.attempt, j.last_error,
              (SELECT count(*) FROM attempts a WHERE a.job_id = j.id) AS attempts_recorded
         FROM jobs j ORDER BY j.seq`,
    )
    .all() as AuditJob[];
  const events = (
    db
      .prepare("SELECT event_id, job_id, type, dropped, routes FROM events ORDER BY job_id, position")
      .all() as (Omit<AuditEvent, "routes"> & { routes: string })[]
  ).map((e) => ({ ...e, routes: JSON.parse(e.routes) as EventRoute[] }));
  return { integrity, jobs, events };
}
