/** The attempts table: one row per execution of a job's plugin process (docs/jobs.md, "Lifecycle of a job"). */
import type { Database } from "better-sqlite3";
import type { AttemptRecord } from "../core/completion.js";
import { type Prepared, prepareAll } from "./prepare.js";
import type { AttemptRow } from "./types.js";

export const ATTEMPTS_SQL = {
  insert: `
    INSERT INTO attempts (job_id, plugin, command, attempt, status, started_at, completed_at, duration_ms,
                          exit_code, signal, error, retryable, stderr, stderr_truncated,
                          stderr_bytes_dropped, stdout, logs)
    VALUES (@job_id, @plugin, @command, @attempt, @status, @started_at, @completed_at, @duration_ms,
            @exit_code, @signal, @error, @retryable, @stderr, @stderr_truncated,
            @stderr_bytes_dropped, @stdout, @logs)`,
  forJob: "SELECT * FROM attempts WHERE job_id = ? ORDER BY attempt",
  since: "SELECT * FROM attempts WHERE seq > ? ORDER BY seq LIMIT ?",
  sinceForPlugin: "SELECT * FROM attempts WHERE plugin = ? AND seq > ? ORDER BY seq LIMIT ?",
  latest: "SELECT * FROM (SELECT * FROM attempts ORDER BY seq DESC LIMIT ?) ORDER BY seq",
  latestForPlugin: `
    SELECT * FROM (SELECT * FROM attempts WHERE plugin = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq`,
} as const;

/** An attempt to record, whether a plugin ran it or recovery wrote it for a lost one. */
export interface AttemptInsert extends Omit<AttemptRecord, "started_at"> {
  started_at: string | null;
  job_id: string;
  plugin: string;
  command: string;
}

export class AttemptsTable {
  private readonly s: Prepared<typeof ATTEMPTS_SQL>;

  constructor(db: Database) {
    this.s = prepareAll(db, ATTEMPTS_SQL);
  }

  insert(a: AttemptInsert): void {
    this.s.insert.run({
      ...a,
      retryable: a.retryable === null ? null : a.retryable ? 1 : 0,
      stderr_truncated: a.stderr_truncated ? 1 : 0,
      logs: JSON.stringify(a.logs),
    });
  }

  forJob(jobId: string): AttemptRow[] {
    return this.s.forJob.all(jobId) as AttemptRow[];
  }

  /** Oldest first. With sinceSeq: the next ones after it (follow); without: the latest `limit`. */
  recent(opts: { plugin?: string; sinceSeq?: number; limit: number }): AttemptRow[] {
    const { plugin, sinceSeq, limit } = opts;
    if (sinceSeq !== undefined) {
      return (
        plugin === undefined
          ? this.s.since.all(sinceSeq, limit)
          : this.s.sinceForPlugin.all(plugin, sinceSeq, limit)
      ) as AttemptRow[];
    }
    return (
      plugin === undefined ? this.s.latest.all(limit) : this.s.latestForPlugin.all(plugin, limit)
    ) as AttemptRow[];
  }
}
