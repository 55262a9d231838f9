/**
 * A claimed job must never stay `running` because the core itself failed around its attempt
 * (a database error while recording the spawn or committing, a bug). Such a failure is recorded
 * as a failed, retryable attempt, so the job retries with backoff and ends `dead` if the failure
 * persists, instead of blocking its poll guard until the next restart.
 */
import { alertSettingsOf } from "../contracts/runtime.js";
import { planCompletion } from "../core/completion.js";
import { describe } from "../core/errors.js";
import { classifyOutcome } from "../core/outcome.js";
import { logAlerts } from "../log/alerts.js";
import { notStartedResult } from "../runner/run.js";
import type { ClaimedJob } from "../store/index.js";
import { completionJobOf, type ExecuteDeps } from "./execute.js";

export function recordInternalFailure(deps: ExecuteDeps, job: ClaimedJob, error: unknown): void {
  const message = describe(error);
  const log = deps.log.child({ component: "dispatcher", plugin: job.plugin, job_id: job.id });
  const now = deps.clock.now();
  const run = notStartedResult({ kind: "refused", reason: "unused" }, now, now, 0);
  const outcome = {
    ...classifyOutcome({
      termination: { kind: "spawn_error", code: "EINTERNAL", message },
      exitCode: null,
      signal: null,
      parsed: null,
    }),
    error: `internal error of the core: ${message}`,
    retryable: true,
  };
  try {
    const runtime = deps.runtime();
    const plan = planCompletion({
      job: completionJobOf(job),
      outcome,
      run,
      state: {},
      routes: [],
      enabledPlugins: new Set(),
      maxAttemptsFor: () => job.max_attempts,
      maxRouteDepth: runtime.config.service.max_route_depth,
      backoffBaseMs: runtime.config.plugins[job.plugin]?.retry.backoff_base ?? 30_000,
      random: deps.random,
      nowMs: now,
      newId: deps.newId,
    });
    const committed = deps.store.commitAttempt(job, plan, {
      dedupeTtlMs: runtime.config.service.dedupe_ttl,
      alerts: alertSettingsOf(runtime, deps.newId),
    });
    logAlerts(log, committed.alerts);
    log.error(
      { error: message },
      `attempt ${job.attempt} failed inside the core: ${message}; job ${plan.job.status}`,
    );
  } catch (second) {
    // Even recording failed (the database is unusable): the job stays running and the next
    // start's recovery re-queues it. Say so loudly.
    log.error(
      { error: message, record_error: String(second) },
      `attempt ${job.attempt} failed inside the core (${message}) and could not be recorded (${String(second)}); it will be recovered at the next start`,
    );
  }
}
