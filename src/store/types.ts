/**
 * The store's public shapes (docs/jobs.md, "Lifecycle of a job"; docs/jobs.md, "The operator commands") and the mapping from raw rows. Field names are
 * the spec's, so `--json` output is these objects as they are.
 */
import type { AttemptRecord } from "../core/completion.js";
import type { AttemptStatus } from "../core/outcome.js";
import type { LogEntry } from "../protocol/messages.js";

export type JobStatus = "queued" | "running" | "succeeded" | "dead";
export type SubmittedBy = "scheduler" | "webhook" | "route" | "cli";

/** A job exactly as every interface shows it. */
export interface Job {
  id: string;
  plugin: string;
  command: string;
  payload: unknown;
  status: JobStatus;
  attempt: number;
  max_attempts: number;
  submitted_by: SubmittedBy;
  dedupe_key: string | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  next_retry_at: string | null;
  last_error: string | null;
  parent_job_id: string | null;
  source_event_id: string | null;
}

/** Bookkeeping the dispatcher needs but no interface shows. */
export interface JobInternal {
  seq: number;
  route_depth: number;
  pgid: number | null;
  proc_start_time: string | null;
}

/** A job handed to the dispatcher: the public shape plus its internals, kept apart. */
export interface ClaimedJob extends Job {
  internal: JobInternal;
}

/** An attempt as every interface shows it: the record completion planned (docs/jobs.md, "The operator commands"). */
export type AttemptView = Omit<AttemptRecord, "started_at"> & {
  /** null only for attempts recorded before a start time was known (crash recovery). */
  started_at: string | null;
};

/** One attempt with what `postern logs` needs to label and follow it. */
export interface AttemptLogEntry extends AttemptView {
  seq: number;
  job_id: string;
  plugin: string;
  command: string;
}

/** What became of one route of an event. */
export interface EventRoute {
  to: string;
  job_id: string | null;
  /** Set when the new job was a dedupe hit: the succeeded job that blocked it. */
  duplicate_of: string | null;
  dropped: string | null;
}

export interface EventView {
  event_id: string;
  type: string;
  dedupe_key: string | null;
  /** The jobs this event became. */
  routed_to: string[];
  dropped: string | null;
  payload: unknown;
  timestamp: string;
  routes: EventRoute[];
}

export interface JobDetail extends Job {
  attempts: AttemptView[];
  events: EventView[];
  /** Parent first, root last; ends early if retention pruned an ancestor. */
  parent_chain: Job[];
}

/** A row of the jobs table: the job with its payload still serialized, plus bookkeeping. */
export interface JobRow extends Omit<Job, "payload"> {
  seq: number;
  payload: string;
  route_depth: number;
  pgid: number | null;
  proc_start_time: string | null;
}

export interface AttemptRow {
  seq: number;
  job_id: string;
  plugin: string;
  command: string;
  attempt: number;
  status: AttemptStatus;
  started_at: string | null;
  completed_at: string;
  duration_ms: number | null;
  exit_code: number | null;
  signal: string | null;
  error: string | null;
  retryable: number | null;
  stderr: string;
  stderr_truncated: number;
  stderr_bytes_dropped: number;
  stdout: string | null;
  logs: string;
}

export interface EventRow {
  event_id: string;
  job_id: string;
  position: number;
  type: string;
  payload: string;
  dedupe_key: string | null;
  created_at: string;
  dropped: string | null;
  routes: string;
}

export function toJob(row: JobRow): Job {
  return {
    id: row.id,
    plugin: row.plugin,
    command: row.command,
    payload: JSON.parse(row.payload),
    status: row.status,
    attempt: row.attempt,
    max_attempts: row.max_attempts,
    submitted_by: row.submitted_by,
    dedupe_key: row.dedupe_key,
    created_at: row.created_at,
    started_at: row.started_at,
    completed_at: row.completed_at,
    next_retry_at: row.next_retry_at,
    last_error: row.last_error,
    parent_job_id: row.parent_job_id,
    source_event_id: row.source_event_id,
  };
}

export function toClaimedJob(row: JobRow): ClaimedJob {
  return {
    ...toJob(row),
    internal: {
      seq: row.seq,
      route_depth: row.route_depth,
      pgid: row.pgid,
      proc_start_time: row.proc_start_time,
    },
  };
}

export function toAttemptView(row: AttemptRow): AttemptView {
  return {
    attempt: row.attempt,
    status: row.status,
    started_at: row.started_at,
    completed_at: row.completed_at,
    duration_ms: row.duration_ms,
    exit_code: row.exit_code,
    signal: row.signal,
    error: row.error,
    retryable: row.retryable === null ? null : row.retryable === 1,
    stderr: row.stderr,
    stderr_truncated: row.stderr_truncated === 1,
    stderr_bytes_dropped: row.stderr_bytes_dropped,
    stdout: row.stdout,
    logs: JSON.parse(row.logs) as LogEntry[],
  };
}

export function toAttemptLogEntry(row: AttemptRow): AttemptLogEntry {
  return {
    seq: row.seq,
    job_id: row.job_id,
    plugin: row.plugin,
    command: row.command,
    ...toAttemptView(row),
  };
}

export function toEventView(row: EventRow): EventView {
  const routes = JSON.parse(row.routes) as EventRoute[];
  return {
    event_id: row.event_id,
    type: row.type,
    dedupe_key: row.dedupe_key,
    routed_to: routes.flatMap((r) => (r.job_id === null ? [] : [r.job_id])),
    dropped: row.dropped,
    payload: JSON.parse(row.payload),
    timestamp: row.created_at,
    routes,
  };
}
