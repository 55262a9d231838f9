/**
 * Keeping one plugin's stored plan current. A new offset is drawn only when the plan's basis
 * changes: a new or changed schedule, a newer success, or an enqueued run that was cancelled.
 * Anything else (ticks, restarts, reloads that leave the schedule alone) keeps the plan.
 */
import { createHash } from "node:crypto";
import type { Schedule } from "../config/types.js";
import { isoUtc, type Random } from "../core/clock.js";
import { planRun, scheduleIdentity } from "../core/schedule.js";
import type { Logger } from "../log/logger.js";
import type { ScheduleRow, Store } from "../store/index.js";

/** jobs cancel's reason: the operator dropped this run, so the next one counts from then. */
const CANCELLED = "cancelled by operator";

export function scheduleHash(schedule: Schedule, zone: string): string {
  return createHash("sha256").update(scheduleIdentity(schedule, zone)).digest("hex").slice(0, 16);
}

export interface PlanContext {
  store: Store;
  random: Random;
  log: Logger;
  nowMs: number;
  zone: string;
}

/** The plugin's plan after bringing it up to date (written when it changed). */
export function currentPlan(c: PlanContext, plugin: string, schedule: Schedule): ScheduleRow {
  const { store, nowMs } = c;
  const hash = scheduleHash(schedule, c.zone);
  const successAt = store.breaker(plugin, "poll")?.last_success_at ?? null;
  const lastSuccess = successAt === null ? null : Date.parse(successAt);
  const row = store.schedule(plugin);

  let why: string | null = null;
  let anchor = lastSuccess;
  if (row === null) why = "new schedule";
  else if (row.config_hash !== hash) why = "schedule changed";
  else if (lastSuccess !== null && (row.anchor_at === null || lastSuccess > Date.parse(row.anchor_at))) {
    why = "poll succeeded";
  } else if (row.run_job_id !== null) {
    const job = store.getJob(row.run_job_id);
    if (job?.status === "queued" || job?.status === "running") return row;
    if (job?.status === "dead" && job.last_error === CANCELLED && job.completed_at !== null) {
      why = "run cancelled by operator";
      anchor = Date.parse(job.completed_at);
    } else {
      // Dead (or pruned) without a success: the last success is unchanged, so the run is due
      // again; the circuit breaker is what stops a failing plugin from being polled each tick.
      store.setScheduledRun(plugin, null);
      c.log.debug(
        { plugin, job_id: row.run_job_id, job_status: job?.status ?? "pruned" },
        `scheduled poll ${row.run_job_id} of ${plugin} ended without success; the run is due again`,
      );
      return { ...row, run_job_id: null };
    }
  }
  if (why === null && row !== null) return row;

  const plan = planRun({ schedule, zone: c.zone, anchorMs: anchor, startMs: nowMs, random: c.random });
  const next: ScheduleRow = {
    plugin,
    config_hash: hash,
    anchor_at: plan.anchorMs === null ? null : isoUtc(plan.anchorMs),
    offset_ms: plan.offsetMs,
    base_at: isoUtc(plan.baseMs),
    next_run_at: isoUtc(plan.atMs),
    run_job_id: null,
    polls: 0,
    skip_kind: null,
    skip_reason: null,
    skipped_at: null,
    updated_at: isoUtc(nowMs),
  };
  store.saveSchedulePlan(next);
  // A reload that changes the schedule while its poll is still queued or running: that poll
  // stands for the new plan too, rather than a second one being enqueued beside it.
  const inFlight = row?.run_job_id ?? null;
  if (why === "schedule changed" && inFlight !== null) {
    const status = store.getJob(inFlight)?.status;
    if (status === "queued" || status === "running") {
      store.setScheduledRun(plugin, inFlight, false);
      next.run_job_id = inFlight;
    }
  }
  c.log.debug(
    {
      plugin,
      next_run_at: next.next_run_at,
      offset_ms: plan.offsetMs,
      anchor_at: next.anchor_at,
      window_moved: plan.atMs !== plan.baseMs,
    },
    `next run of ${plugin} planned for ${next.next_run_at} (${why})`,
  );
  return next;
}
