/**
 * `postern jobs retry --status dead [--plugin P] [--since T]` (docs/operations.md): one new job per
 * matching dead job, all in one transaction, each with `submitted_by: cli` and
 * `parent_job_id` = the dead one (as `jobs retry ID` does, see enqueue.ts). A dead job that
 * already has a retry is skipped, so running the command twice after an outage does not
 * double the work (and the retries that died too are not retried on top of their parents).
 */
import { isoUtc } from "../core/clock.js";
import { type StoreConnection, writeTx } from "./connection.js";
import { type Prepared, prepareAll } from "./prepare.js";
import type { JobRow } from "./types.js";

export const BULK_RETRY_SQL = {
  // Pinned to the terminal jobs' index: walks the dead jobs completed since the cutoff only.
  dead: `
    SELECT * FROM jobs INDEXED BY jobs_terminal
    WHERE status IN ('succeeded','dead') AND status = 'dead' AND completed_at >= @since
      AND (@plugin IS NULL OR plugin = @plugin)
    ORDER BY seq`,
  retried: "SELECT 1 FROM jobs WHERE parent_job_id = ? AND submitted_by = 'cli' LIMIT 1",
} as const;

export interface BulkRetryFilter {
  plugin?: string;
  /** Dead jobs that died at or after this instant (epoch ms); all when absent. */
  sinceMs?: number;
}

export interface BulkRetryItem {
  dead_job_id: string;
  plugin: string;
  command: string;
  /** The new job's id; null in a dry run or when skipped. */
  job_id: string | null;
  /** Why it was not retried (null: retried, or would be). */
  skipped: string | null;
}

/**
 * `admit(plugin)` returns the retry budget to use (the plugin's current `max_attempts`), or a
 * reason to skip the job (plugin removed or disabled: the daemon would kill the retry at once).
 */
export function retryDeadJobs(
  ctx: StoreConnection,
  filter: BulkRetryFilter,
  opts: { dryRun: boolean; admit: (plugin: string) => number | string },
): BulkRetryItem[] {
  const s: Prepared<typeof BULK_RETRY_SQL> = prepareAll(ctx.db, BULK_RETRY_SQL);
  return writeTx(ctx, () => {
    const nowIso = isoUtc(ctx.clock.now());
    const rows = s.dead.all({
      since: filter.sinceMs === undefined ? "" : isoUtc(filter.sinceMs),
      plugin: filter.plugin ?? null,
    }) as JobRow[];
    return rows.map((dead) => {
      const item = { dead_job_id: dead.id, plugin: dead.plugin, command: dead.command, job_id: null };
      if (s.retried.get(dead.id) !== undefined) return { ...item, skipped: "already retried" };
      const budget = opts.admit(dead.plugin);
      if (typeof budget === "string") return { ...item, skipped: budget };
      if (opts.dryRun) return { ...item, skipped: null };
      const row = ctx.jobs.insert({
        id: ctx.newId(),
        plugin: dead.plugin,
        command: dead.command,
        payload: dead.payload,
        max_attempts: budget,
        submitted_by: "cli",
        dedupe_key: dead.dedupe_key,
        created_at: nowIso,
        parent_job_id: dead.id,
        source_event_id: dead.source_event_id,
        route_depth: dead.route_depth,
      });
      return { ...item, job_id: row.id, skipped: null };
    });
  });
}
