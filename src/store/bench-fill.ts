/**
 * Bulk history for the scale benchmark (docs/performance.md, `npm run bench`): a long-running install's
 * finished jobs, written fast. Each row is a succeeded job with its one succeeded attempt, the
 * same rows the dispatcher leaves behind, but inserted in large transactions (one fsync per
 * batch instead of three per job), so a million of them take seconds, not hours. Not used by
 * the daemon or the CLI.
 */
import { isoUtc } from "../core/clock.js";
import { type StoreConnection, writeTx } from "./connection.js";
import { type Prepared, prepareAll } from "./prepare.js";

export const BENCH_FILL_SQL = {
  job: `
    INSERT INTO jobs (id, plugin, command, payload, status, attempt, max_attempts, submitted_by,
                      created_at, started_at, completed_at)
    VALUES (@id, @plugin, @command, @payload, 'succeeded', 1, @max_attempts, 'webhook',
            @at, @at, @at)`,
  attempt: `
    INSERT INTO attempts (job_id, plugin, command, attempt, status, started_at, completed_at,
                          duration_ms, exit_code)
    VALUES (@id, @plugin, @command, 1, 'succeeded', @at, @at, 1, 0)`,
} as const;

export interface HistoryFill {
  /** How many succeeded jobs to add (each with one attempt). */
  count: number;
  plugin: string;
  command: string;
  /** Stored as every job's payload (JSON text, serialized once). */
  payload: unknown;
  /** The newest job's timestamps; older jobs go back one second each. */
  endMs: number;
  /** Jobs per transaction; default 50,000. */
  batchSize?: number;
}

export function fillHistory(ctx: StoreConnection, fill: HistoryFill): { inserted: number; batches: number } {
  const s: Prepared<typeof BENCH_FILL_SQL> = prepareAll(ctx.db, BENCH_FILL_SQL);
  const payload = JSON.stringify(fill.payload ?? null);
  const batchSize = Math.max(1, Math.trunc(fill.batchSize ?? 50_000));
  const count = Math.max(0, Math.trunc(fill.count));
  let inserted = 0;
  let batches = 0;
  while (inserted < count) {
    const n = Math.min(batchSize, count - inserted);
    writeTx(ctx, () => {
      for (let i = 0; i < n; i++) {
        const row = {
          id: ctx.newId(),
          plugin: fill.plugin,
          command: fill.command,
          payload,
          max_attempts: 1,
          at: isoUtc(fill.endMs - (count - 1 - (inserted + i)) * 1000),
        };
        s.job.run(row);
        s.attempt.run(row);
      }
    });
    inserted += n;
    batches += 1;
  }
  return { inserted, batches };
}
