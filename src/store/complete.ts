/**
 * Atomic completion (docs/design.md, "The transaction boundary"): everything a finished attempt changes is written in ONE
 * transaction. A crash before the commit means the attempt never happened; after it, all of
 * it did. Nothing is decided here: the plan (core/completion.ts) already did that, except
 * dedupe of the new jobs, which needs the database.
 */
import { isoUtc } from "../core/clock.js";
import type { CompletionPlan, JobAfterAttempt, PlannedJob } from "../core/completion.js";
import type { DedupeHit, DuplicateStatus } from "../core/dedupe.js";
import { PosternError } from "../core/errors.js";
import { type AlertSettings, circuitOccurrence } from "../core/system-events.js";
import type { BreakerTransition } from "./breakers.js";
import { type StoreConnection, writeTx } from "./connection.js";
import { noAlerts, type RaisedAlerts, raiseAlerts } from "./system-events.js";

import type { ClaimedJob, EventRoute } from "./types.js";

export interface CommittedDedupeHit {
  event_id: string;
  plugin: string;
  command: string;
  dedupe_key: string;
  duplicate_of: string;
  /** What the job it duplicates was at the time: succeeded, queued or running. */
  duplicate_status: DuplicateStatus;
}

export interface CommitResult {
  status: JobAfterAttempt;
  /** The downstream jobs created, in FIFO order. */
  newJobIds: string[];
  /** Route jobs not created: one with the same key succeeded or is outstanding (log at INFO). */
  dedupeHits: CommittedDedupeHit[];
  /** The circuit changed state with this attempt (opened, re-opened or closed): log it. */
  breaker: BreakerTransition | null;
  /** The next ready job, claimed in this same transaction when `claimNext` asked for it. */
  next: ClaimedJob | null;
  /** System events committed with this attempt (job dead, circuit opened/closed), and those suppressed. */
  alerts: RaisedAlerts;
}

/** Claim the next ready job in the attempt's own commit (one fsync instead of two). */
export interface ClaimAhead {
  nowMs: number;
  excludePlugins: readonly string[];
}

/** The attempt a plan belongs to: the job row must still be running exactly this attempt. */
export interface AttemptOwner {
  id: string;
  plugin: string;
  command: string;
  attempt: number;
}

export function commitAttempt(
  ctx: StoreConnection,
  job: AttemptOwner,
  plan: CompletionPlan,
  opts: {
    dedupeTtlMs: number;
    breakerThreshold?: number;
    claimNext?: ClaimAhead | null;
    /** Without it (tests, tools) no system event is raised. */
    alerts?: AlertSettings | null;
  },
): CommitResult {
  if (plan.job.id !== job.id || plan.attempt.attempt !== job.attempt) {
    throw new PosternError("plan_mismatch", `completion plan is for ${plan.job.id}, not job ${job.id}`);
  }
  return writeTx(ctx, () => {
    const now = ctx.clock.now();
    const nowIso = isoUtc(now);
    const finished = ctx.jobs.finish({
      id: job.id,
      expected_attempt: job.attempt,
      status: plan.job.status,
      attempt: plan.job.attempt,
      completed_at: plan.job.completed_at,
      next_retry_at: plan.job.next_retry_at,
      last_error: plan.job.last_error,
    });
    if (!finished) throw notRunning(ctx, job);

    ctx.attempts.insert({ ...plan.attempt, job_id: job.id, plugin: job.plugin, command: job.command });
    if (plan.state !== null) ctx.state.put(plan.state.plugin, plan.state.serialized, nowIso);

    const result: CommitResult = {
      status: plan.job.status,
      newJobIds: [],
      dedupeHits: [],
      breaker: null,
      next: null,
      alerts: noAlerts(),
    };
    const planned = new Map(plan.newJobs.map((j) => [j.id, j]));
    plan.events.forEach((ev, position) => {
      const routes: EventRoute[] = ev.routes.map((route) => {
        const newJob = route.job_id === null ? undefined : planned.get(route.job_id);
        if (newJob === undefined) return { ...route, job_id: null, duplicate_of: null };
        const hit = ctx.dedupe.check(newJob.plugin, newJob.command, newJob.dedupe_key, now, opts.dedupeTtlMs);
        if (hit !== null) {
          result.dedupeHits.push(dedupeHit(ev.event_id, newJob, hit));
          return { to: route.to, job_id: null, duplicate_of: hit.duplicateOf, dropped: null };
        }
        ctx.jobs.insertPlanned(newJob);
        result.newJobIds.push(newJob.id);
        return { to: route.to, job_id: newJob.id, duplicate_of: null, dropped: null };
      });
      ctx.events.insert(job.id, position, ev, routes);
    });
    if (plan.events.length > 0) ctx.heartbeats.sawEvent(job.plugin, plan.events[0]?.timestamp ?? nowIso);

    // With the threshold known, the circuit opens in the same commit as the failure that
    // reached it: no window in which the scheduler could still enqueue another poll.
    result.breaker = ctx.breakers.apply(
      plan.breaker.plugin,
      plan.breaker.command,
      plan.breaker.change,
      nowIso,
      opts.breakerThreshold,
    );
    // docs/operations.md: the alert commits with its cause, or neither does.
    const cause = plan.cause;
    const occurrences = [...plan.alerts];
    if (result.breaker !== null) {
      const occ = circuitOccurrence(result.breaker, job.plugin, job.command, now, cause);
      if (occ !== null) occurrences.push(occ);
    }
    raiseAlerts(ctx, occurrences, opts.alerts, result.alerts);
    // Last, so the jobs this attempt created are candidates too, exactly as for a claim after it.
    if (opts.claimNext) {
      result.next = ctx.jobs.claimNext(opts.claimNext.nowMs, opts.claimNext.excludePlugins);
    }
    return result;
  });
}

function dedupeHit(eventId: string, j: PlannedJob, hit: DedupeHit): CommittedDedupeHit {
  return {
    event_id: eventId,
    plugin: j.plugin,
    command: j.command,
    dedupe_key: j.dedupe_key ?? "",
    duplicate_of: hit.duplicateOf,
    duplicate_status: hit.duplicateStatus,
  };
}

function notRunning(ctx: StoreConnection, job: AttemptOwner): PosternError {
  const current = ctx.jobs.byId(job.id);
  const now =
    current === null
      ? "gone"
      : current.status === "running"
        ? `running attempt ${current.attempt}`
        : `${current.status} (attempt ${current.attempt})`;
  return new PosternError(
    "job_not_running",
    `job ${job.id} attempt ${job.attempt} is no longer running (now ${now}); its result was not recorded`,
  );
}
