/** Status changes that are not an attempt's result: shutdown requeue, operator cancel, reload. */
import { isoUtc } from "../core/clock.js";
import { PosternError } from "../core/errors.js";
import { type StoreConnection, writeTx } from "./connection.js";
import { jobNotFound } from "./enqueue.js";
import { type Job, toJob } from "./types.js";

/**
 * Graceful shutdown killed the in-flight attempt: the job goes back to where it was in the
 * queue (its seq is unchanged) with the same attempt number, since the plugin never got a
 * fair chance to finish.
 */
export function requeueWithoutAttempt(ctx: StoreConnection, jobId: string): Job {
  return writeTx(ctx, () => {
    const row = ctx.jobs.requeue(jobId);
    if (row !== null) return toJob(row);
    const current = ctx.jobs.byId(jobId);
    if (current === null) throw jobNotFound(jobId);
    throw new PosternError(
      "job_not_running",
      `job ${jobId} is ${current.status}, not running; nothing to requeue`,
    );
  });
}

export function cancelJob(ctx: StoreConnection, id: string): Job {
  return writeTx(ctx, () => {
    const row = ctx.jobs.cancel(id, isoUtc(ctx.clock.now()));
    if (row !== null) return toJob(row);
    const current = ctx.jobs.byId(id);
    if (current === null) throw jobNotFound(id);
    const why =
      current.status === "running"
        ? "it is running; only a queued job can be cancelled"
        : `it is already ${current.status}`;
    throw new PosternError("job_not_cancellable", `cannot cancel job ${id}: ${why}`);
  });
}

export interface KilledJob {
  id: string;
  plugin: string;
  reason: string;
}

/** Reload/start: queued jobs of removed or disabled plugins can never run, so they die now. */
export function markDeadForPlugins(
  ctx: StoreConnection,
  reasonByPlugin: ReadonlyMap<string, string>,
): KilledJob[] {
  return writeTx(ctx, () => {
    const now = isoUtc(ctx.clock.now());
    const killed: KilledJob[] = [];
    for (const [plugin, reason] of reasonByPlugin) {
      for (const id of ctx.jobs.killQueued(plugin, reason, now)) killed.push({ id, plugin, reason });
    }
    return killed;
  });
}
