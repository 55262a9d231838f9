/**
 * Runs one claimed job: build the request from the runtime snapshot, run the plugin, plan the
 * completion and commit it in one transaction (docs/design.md, "The transaction boundary"). Logs one line per attempt with
 * job id, plugin, "attempt x of y", outcome and duration, plus the plugin's logs and stderr.
 */

import { reportAttempt } from "../contracts/attempt-feed.js";
import { alertSettingsOf } from "../contracts/runtime.js";
import type { Clock, Random } from "../core/clock.js";
import { type CompletionJob, planCompletion } from "../core/completion.js";
import { describeDuplicate } from "../core/dedupe.js";
import { logAlerts } from "../log/alerts.js";
import { logBreakerTransition } from "../log/circuit.js";
import type { Logger } from "../log/logger.js";
import { runPluginCommand } from "../plugin-run/run-command.js";
import type { PluginCommand } from "../plugins/types.js";
import type { RequestEvent } from "../protocol/messages.js";
import { notStartedResult, type RunLimits, type RunResult } from "../runner/run.js";
import type { ClaimAhead, ClaimedJob, CommitResult, Store } from "../store/index.js";
import { pluginUnavailableReason, type Runtime } from "./runtime.js";

export interface ExecuteDeps {
  store: Store;
  clock: Clock;
  random: Random;
  log: Logger;
  env: Record<string, string | undefined>;
  runLimits: Partial<RunLimits>;
  newId: () => string;
  /** Aborted when shutdown's grace period runs out. */
  abort: AbortSignal;
  runtime: () => Runtime;
  /** What a claim made inside this attempt's commit may take (the plugins to skip). */
  nextClaim?: () => ClaimAhead;
}

const STDERR_LOG_BYTES = 4096;

/**
 * Resolves with the next job when `mayClaimAhead()` allowed claiming it in this attempt's
 * commit, else null.
 */
export async function executeJob(
  deps: ExecuteDeps,
  job: ClaimedJob,
  mayClaimAhead: () => boolean = () => false,
): Promise<ClaimedJob | null> {
  const runtime = deps.runtime();
  const { store, clock, log } = deps;
  const jobLog = log.child({ component: "dispatcher", plugin: job.plugin, job_id: job.id });
  const command = job.command as PluginCommand;
  const pc = runtime.config.plugins[job.plugin];
  const plugin = runtime.registry.get(job.plugin);
  const unavailable = pluginUnavailableReason(runtime, job.plugin);

  let result: RunResult;
  if (unavailable !== null || !pc || !plugin) {
    const now = clock.now();
    result = notStartedResult({ kind: "refused", reason: unavailable ?? "plugin not loaded" }, now, now, 0);
  } else {
    jobLog.debug(`attempt ${job.attempt} of ${job.max_attempts} started (${job.command})`);
    const run = await runPluginCommand({
      plugin,
      command,
      pluginConfig: pc,
      coreEnv: deps.env,
      state: store.getState(job.plugin),
      jobId: job.id,
      attempt: job.attempt,
      event: command === "handle" ? (job.payload as RequestEvent) : null,
      limits: deps.runLimits,
      clock,
      onSpawn: (info) => store.recordSpawn(job.id, info.pgid, info.startTime),
      abort: deps.abort,
    });
    result = run.result;
  }

  if (result.aborted) {
    store.requeueWithoutAttempt(job.id);
    jobLog.warn(
      `attempt ${job.attempt} stopped by shutdown after the grace period; job re-queued, attempt not consumed`,
    );
    return null;
  }

  const plan = planCompletion({
    job: completionJobOf(job),
    outcome: result.outcome,
    run: result,
    state: store.getState(job.plugin),
    routes: runtime.config.routes,
    enabledPlugins: runtime.enabledPlugins,
    maxAttemptsFor: (p) => runtime.config.plugins[p]?.retry.max_attempts ?? job.max_attempts,
    maxRouteDepth: runtime.config.service.max_route_depth,
    backoffBaseMs: pc?.retry.backoff_base ?? 30_000,
    random: deps.random,
    nowMs: clock.now(),
    newId: deps.newId,
  });
  const committed = store.commitAttempt(job, plan, {
    dedupeTtlMs: runtime.config.service.dedupe_ttl,
    breakerThreshold: pc?.circuit_breaker.threshold,
    claimNext: deps.nextClaim && mayClaimAhead() ? deps.nextClaim() : null,
    alerts: alertSettingsOf(runtime, deps.newId),
  });
  // Past the commit nothing may throw: a job claimed ahead must reach the dispatcher, or it
  // would stay running without a process until the next start.
  const report = () => {
    try {
      logAttempt(jobLog, job, result, plan, committed);
      if (committed.breaker) logBreakerTransition(jobLog, committed.breaker, pc?.circuit_breaker.reset_after);
      logAlerts(jobLog, committed.alerts);
      reportAttempt({
        plugin: job.plugin,
        command: job.command,
        outcome: plan.attempt.status,
        jobStatus: committed.status,
        durationMs: plan.attempt.duration_ms,
      });
    } catch (e) {
      jobLog.error({ err: (e as Error).message }, `after the commit: ${(e as Error).message}`);
    }
  };
  // With a job claimed ahead, its process starts first (docs/performance.md, issue 21 item 2): the
  // dispatcher spawns it in the microtasks that follow this return, before any check-phase
  // callback, so this attempt's lines are formatted and written while the next plugin runs.
  if (committed.next !== null) setImmediate(report);
  else report();
  return committed.next;
}

function logAttempt(
  jobLog: Logger,
  job: ClaimedJob,
  result: RunResult,
  plan: ReturnType<typeof planCompletion>,
  committed: CommitResult,
): void {
  const attempt = plan.attempt;
  const fields = {
    attempt: attempt.attempt,
    max_attempts: job.max_attempts,
    outcome: attempt.status,
    job_status: committed.status,
    duration_ms: attempt.duration_ms,
    exit_code: attempt.exit_code,
    signal: attempt.signal,
    events: plan.events.length,
    new_jobs: committed.newJobIds.length,
  };
  const summary = `attempt ${attempt.attempt} of ${job.max_attempts} ${attempt.status} in ${attempt.duration_ms} ms`;
  if (attempt.status === "succeeded") jobLog.info(fields, `${summary}; job ${committed.status}`);
  else if (committed.status === "dead")
    jobLog.error({ ...fields, error: attempt.error }, `${summary}: ${attempt.error}; job dead`);
  else
    jobLog.warn(
      { ...fields, error: attempt.error, next_retry_at: plan.job.next_retry_at },
      `${summary}: ${attempt.error}; retry at ${plan.job.next_retry_at}`,
    );

  for (const entry of attempt.logs) jobLog[entry.level]({ source: "plugin" }, entry.message);
  if (result.stderr !== "") {
    const excerpt =
      result.stderr.length > STDERR_LOG_BYTES ? result.stderr.slice(-STDERR_LOG_BYTES) : result.stderr;
    // docs/daemon.md, "Logs": a plugin that writes diagnostics on every run must not fill the log with
    // warnings; its stderr is a warning only beside an attempt that did not succeed.
    jobLog[attempt.status === "succeeded" ? "info" : "warn"](
      {
        source: "plugin",
        stderr: excerpt,
        stderr_truncated: result.stderr.length > STDERR_LOG_BYTES || result.stderrTruncated,
      },
      "plugin wrote to stderr",
    );
  }
  for (const event of plan.events) {
    if (event.routes.length === 0)
      jobLog.debug({ event_id: event.event_id, type: event.type }, "event matched no route");
    for (const route of event.routes) {
      if (route.dropped === null) continue;
      const level = /max_route_depth/.test(route.dropped) ? "error" : "info";
      jobLog[level](
        { event_id: event.event_id, type: event.type, to: route.to },
        `event dropped: ${route.dropped}`,
      );
    }
  }
  for (const hit of committed.dedupeHits) {
    jobLog.info(
      {
        event_id: hit.event_id,
        to: hit.plugin,
        dedupe_key: hit.dedupe_key,
        duplicate_of: hit.duplicate_of,
        duplicate_status: hit.duplicate_status,
      },
      `routed job for ${hit.plugin} not enqueued: dedupe key ${hit.dedupe_key} ${describeDuplicate(hit.duplicate_of, hit.duplicate_status)}`,
    );
  }
  if (plan.ignoredEvents > 0) jobLog.warn(`${plan.ignoredEvents} events from ${job.command} ignored`);
}

/** The part of a claimed job that completion planning decides over. */
export function completionJobOf(job: ClaimedJob): CompletionJob {
  return {
    id: job.id,
    plugin: job.plugin,
    command: job.command,
    attempt: job.attempt,
    max_attempts: job.max_attempts,
    route_depth: job.internal.route_depth,
  };
}
