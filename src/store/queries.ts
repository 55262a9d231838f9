/** Read models for the CLI, /healthz, /metrics and the scheduler. Nothing here writes. */
import type { Database } from "better-sqlite3";
import { isoUtc } from "../core/clock.js";
import type { StoreConnection } from "./connection.js";
import { type Prepared, prepareAll } from "./prepare.js";
import {
  type AttemptLogEntry,
  type Job,
  type JobDetail,
  type JobRow,
  type JobStatus,
  toAttemptLogEntry,
  toAttemptView,
  toEventView,
  toJob,
} from "./types.js";

export const QUERIES_SQL = {
  listAll: "SELECT * FROM jobs ORDER BY seq DESC LIMIT ?",
  listByPlugin: "SELECT * FROM jobs WHERE plugin = ? ORDER BY seq DESC LIMIT ?",
  listByStatus: "SELECT * FROM jobs WHERE status = ? ORDER BY seq DESC LIMIT ?",
  listByBoth: "SELECT * FROM jobs WHERE plugin = ? AND status = ? ORDER BY seq DESC LIMIT ?",
  queue: "SELECT * FROM jobs WHERE status IN ('queued','running') ORDER BY seq",
  queueDepth: "SELECT count(*) AS n FROM jobs WHERE status = 'queued'",
  // A retry has been ready since its retry time, a fresh job since it was created.
  oldestReady: `
    SELECT min(coalesce(next_retry_at, created_at)) AS since FROM jobs
    WHERE status = 'queued' AND (next_retry_at IS NULL OR next_retry_at <= ?)`,
  // held: unhealthy or paused plugins, and paused "plugin command" keys (store/pauses.ts).
  nextRetry: `
    WITH held(value) AS (SELECT value FROM json_each(?))
    SELECT min(next_retry_at) AS at FROM jobs INDEXED BY jobs_ready_retry
    WHERE status = 'queued' AND next_retry_at IS NOT NULL
      AND plugin NOT IN held AND plugin || ' ' || command NOT IN held`,
  outstandingPolls: `
    SELECT count(*) AS n FROM jobs
    WHERE plugin = ? AND command = 'poll' AND status IN ('queued','running')`,
  dataVersion: "PRAGMA data_version",
  // A range over the unique id index (no LIKE, which would scan): ids starting with the prefix.
  byIdPrefix: "SELECT * FROM jobs WHERE id >= ? AND id < ? ORDER BY id LIMIT ?",
} as const;

export interface QueueStats {
  /** Queued jobs, including those waiting for their retry time (running not included). */
  queue_depth: number;
  /** How long the longest-waiting ready job has been ready; null when none is ready. */
  oldest_ready_age_seconds: number | null;
}

/** A chain longer than this is a bug (lineage cannot loop), not something to follow forever. */
const MAX_CHAIN = 10_000;

export class Queries {
  private readonly s: Prepared<typeof QUERIES_SQL>;

  constructor(
    db: Database,
    private readonly ctx: StoreConnection,
  ) {
    this.s = prepareAll(db, QUERIES_SQL);
  }

  getJob(id: string): Job | null {
    const row = this.ctx.jobs.byId(id);
    return row === null ? null : toJob(row);
  }

  /**
   * Jobs whose id starts with `prefix`, at most `limit`, in id order (for UUIDv7 ids: creation
   * order). The upper bound is the prefix with its last character incremented.
   */
  jobsByIdPrefix(prefix: string, limit: number): Job[] {
    if (prefix === "") return [];
    const upper = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    return (this.s.byIdPrefix.all(prefix, upper, limit) as JobRow[]).map(toJob);
  }

  /** Newest first. */
  listJobs(opts: { plugin?: string; status?: JobStatus; limit: number }): Job[] {
    const { plugin, status, limit } = opts;
    const rows =
      plugin !== undefined && status !== undefined
        ? this.s.listByBoth.all(plugin, status, limit)
        : plugin !== undefined
          ? this.s.listByPlugin.all(plugin, limit)
          : status !== undefined
            ? this.s.listByStatus.all(status, limit)
            : this.s.listAll.all(limit);
    return (rows as JobRow[]).map(toJob);
  }

  /** Queued and running, oldest first (FIFO order). */
  listQueue(): Job[] {
    return (this.s.queue.all() as JobRow[]).map(toJob);
  }

  jobDetail(id: string): JobDetail | null {
    const row = this.ctx.jobs.byId(id);
    if (row === null) return null;
    return {
      ...toJob(row),
      attempts: this.ctx.attempts.forJob(id).map(toAttemptView),
      events: this.ctx.events.forJob(id).map(toEventView),
      parent_chain: this.parentChain(row.parent_job_id),
    };
  }

  private parentChain(parentId: string | null): Job[] {
    const chain: Job[] = [];
    const seen = new Set<string>();
    let next = parentId;
    while (next !== null && !seen.has(next) && chain.length < MAX_CHAIN) {
      seen.add(next);
      const row = this.ctx.jobs.byId(next);
      if (row === null) break;
      chain.push(toJob(row));
      next = row.parent_job_id;
    }
    return chain;
  }

  recentAttempts(opts: { plugin?: string; sinceSeq?: number; limit: number }): AttemptLogEntry[] {
    return this.ctx.attempts.recent(opts).map(toAttemptLogEntry);
  }

  queueStats(nowMs: number): QueueStats {
    const depth = (this.s.queueDepth.get() as { n: number }).n;
    const since = (this.s.oldestReady.get(isoUtc(nowMs)) as { since: string | null }).since;
    return {
      queue_depth: depth,
      oldest_ready_age_seconds: since === null ? null : Math.max(0, nowMs - Date.parse(since)) / 1000,
    };
  }

  /** When the earliest waiting retry becomes ready (epoch ms), for the dispatcher's timer. */
  nextRetryAt(excludePlugins: Iterable<string>): number | null {
    const at = (this.s.nextRetry.get(JSON.stringify([...excludePlugins])) as { at: string | null }).at;
    return at === null ? null : Date.parse(at);
  }

  /** The poll guard's count (docs/scheduling.md): whoever submitted them. */
  countOutstandingPolls(plugin: string): number {
    return (this.s.outstandingPolls.get(plugin) as { n: number }).n;
  }

  /** Changes when another connection (the CLI beside the daemon) commits: a cheap "anything new?". */
  dataVersion(): number {
    return this.s.dataVersion.pluck().get() as number;
  }
}
