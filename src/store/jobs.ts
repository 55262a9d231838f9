/** The jobs table: insert, claim, and the status transitions that are not an attempt's result. */
import type { Database } from "better-sqlite3";
import { isoUtc } from "../core/clock.js";
import { type Prepared, prepareAll } from "./prepare.js";
import { type ClaimedJob, type JobRow, type SubmittedBy, toClaimedJob } from "./types.js";

/**
 * One statement, so the pick and the mark cannot be split by another writer. It takes the
 * lower seq of two candidates: the first fresh job and the first retry that is due, each read
 * from its own small index, so retries still waiting are never walked over.
 */
function claimSql(excluding: boolean): string {
  // An entry is a plugin (unhealthy or paused) or a paused "plugin command" (store/pauses.ts).
  const skip = excluding
    ? `AND plugin NOT IN (SELECT value FROM json_each(@exclude))
       AND plugin || ' ' || command NOT IN (SELECT value FROM json_each(@exclude))`
    : "";
  return `
    UPDATE jobs SET status = 'running', started_at = @now, pgid = NULL, proc_start_time = NULL
    WHERE seq = (
      SELECT min(seq) FROM (
        SELECT * FROM (
          SELECT seq FROM jobs INDEXED BY jobs_ready_fresh
          WHERE status = 'queued' AND next_retry_at IS NULL ${skip}
          ORDER BY seq LIMIT 1)
        UNION ALL
        SELECT * FROM (
          SELECT seq FROM jobs INDEXED BY jobs_ready_retry
          WHERE status = 'queued' AND next_retry_at <= @now ${skip}
          ORDER BY seq LIMIT 1)))
    RETURNING *`;
}

export const JOBS_SQL = {
  insert: `
    INSERT INTO jobs (id, plugin, command, payload, status, attempt, max_attempts, submitted_by,
                      dedupe_key, created_at, parent_job_id, source_event_id, route_depth)
    VALUES (@id, @plugin, @command, @payload, 'queued', 1, @max_attempts, @submitted_by,
            @dedupe_key, @created_at, @parent_job_id, @source_event_id, @route_depth)
    RETURNING *`,
  claimNext: claimSql(false),
  claimNextExcluding: claimSql(true),
  byId: "SELECT * FROM jobs WHERE id = ?",
  running: "SELECT * FROM jobs WHERE status = 'running' ORDER BY seq",
  recordSpawn: "UPDATE jobs SET pgid = ?, proc_start_time = ? WHERE id = ? AND status = 'running'",
  requeue: `
    UPDATE jobs SET status = 'queued', started_at = NULL, next_retry_at = NULL, pgid = NULL,
                    proc_start_time = NULL
    WHERE id = ? AND status = 'running' RETURNING *`,
  finish: `
    UPDATE jobs SET status = @status, attempt = @attempt, completed_at = @completed_at,
                    next_retry_at = @next_retry_at, last_error = @last_error,
                    started_at = CASE WHEN @status = 'queued' THEN NULL ELSE started_at END,
                    pgid = NULL, proc_start_time = NULL
    WHERE id = @id AND status = 'running' AND attempt = @expected_attempt`,
  // Pinned to walk only the queued jobs, not the plugin's whole history.
  killQueued: `
    UPDATE jobs INDEXED BY jobs_status_seq
    SET status = 'dead', last_error = @reason, completed_at = @now, next_retry_at = NULL
    WHERE status = 'queued' AND plugin = @plugin RETURNING id`,
  cancel: `
    UPDATE jobs SET status = 'dead', last_error = 'cancelled by operator', completed_at = ?,
                    next_retry_at = NULL
    WHERE id = ? AND status = 'queued' RETURNING *`,
} as const;

export interface NewJobRow {
  id: string;
  plugin: string;
  command: string;
  payload: string;
  max_attempts: number;
  submitted_by: SubmittedBy;
  dedupe_key: string | null;
  created_at: string;
  parent_job_id: string | null;
  source_event_id: string | null;
  route_depth: number;
}

export interface JobFinish {
  id: string;
  expected_attempt: number;
  status: "succeeded" | "queued" | "dead";
  attempt: number;
  completed_at: string | null;
  next_retry_at: string | null;
  last_error: string | null;
}

export class JobsTable {
  private readonly s: Prepared<typeof JOBS_SQL>;

  constructor(db: Database) {
    this.s = prepareAll(db, JOBS_SQL);
  }

  insert(row: NewJobRow): JobRow {
    return this.s.insert.get(row) as JobRow;
  }

  /** A job planned as data (a route's, a system event's): its payload serialised here, once. */
  insertPlanned(job: Omit<NewJobRow, "payload"> & { payload: unknown }): JobRow {
    return this.insert({ ...job, payload: JSON.stringify(job.payload) });
  }

  /** The oldest ready job (of a plugin not excluded), marked running; null when none is ready. */
  claimNext(nowMs: number, excludePlugins: Iterable<string>): ClaimedJob | null {
    const exclude = [...excludePlugins];
    const now = isoUtc(nowMs);
    const row =
      exclude.length === 0
        ? this.s.claimNext.get({ now })
        : this.s.claimNextExcluding.get({ now, exclude: JSON.stringify(exclude) });
    return row === undefined ? null : toClaimedJob(row as JobRow);
  }

  byId(id: string): JobRow | null {
    return (this.s.byId.get(id) as JobRow | undefined) ?? null;
  }

  running(): JobRow[] {
    return this.s.running.all() as JobRow[];
  }

  recordSpawn(id: string, pgid: number, startTime: string | null): boolean {
    return this.s.recordSpawn.run(pgid, startTime, id).changes === 1;
  }

  requeue(id: string): JobRow | null {
    return (this.s.requeue.get(id) as JobRow | undefined) ?? null;
  }

  /** false when the job is no longer the running attempt the caller thinks it is. */
  finish(f: JobFinish): boolean {
    return this.s.finish.run(f).changes === 1;
  }

  killQueued(plugin: string, reason: string, nowIso: string): string[] {
    return (this.s.killQueued.all({ plugin, reason, now: nowIso }) as { id: string }[]).map((r) => r.id);
  }

  cancel(id: string, nowIso: string): JobRow | null {
    return (this.s.cancel.get(nowIso, id) as JobRow | undefined) ?? null;
  }
}
