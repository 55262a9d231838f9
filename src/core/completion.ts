/**
 * Everything a finished attempt changes (docs/design.md, "The transaction boundary"; docs/jobs.md, "Plugin state"; docs/jobs.md, "Events and routing"), decided as plain data so the
 * store can commit it in one transaction and tests can assert it exactly. No I/O here: time,
 * randomness and ids arrive as inputs.
 */
import { retryDelayMs } from "./backoff.js";
import { isoUtc, type Random } from "./clock.js";
import type { AttemptStatus, Outcome } from "./outcome.js";
import type { LogEntry, RequestEvent } from "./protocol-types.js";
import { matchRoutes, type RouteRule } from "./routing.js";
import { applyStateChange, type JsonObject } from "./state.js";
import type { Occurrence } from "./system-events.js";

/** What planning needs to know about the job whose attempt finished. */
export interface CompletionJob {
  id: string;
  plugin: string;
  command: string;
  attempt: number;
  max_attempts: number;
  route_depth: number;
}

/** What the runner measured of an attempt that is recorded with it (the runner's result has these fields). */
export interface AttemptRun {
  exitCode: number | null;
  signal: string | null;
  startedAt: number;
  completedAt: number;
  durationMs: number;
  /** Last bytes of stderr (persisted tier), and how much was dropped to get there. */
  stderr: string;
  stderrTruncated: boolean;
  stderrBytesDropped: number;
  /** First bytes of stdout, only when the outcome is a protocol error. */
  stdout: string | null;
}

export interface CompletionInput {
  job: CompletionJob;
  outcome: Outcome;
  run: AttemptRun;
  /** The plugin's state as stored before this attempt. */
  state: JsonObject;
  routes: readonly RouteRule[];
  /** Plugins that are configured, loaded and enabled: the only valid route targets. */
  enabledPlugins: ReadonlySet<string>;
  /** The retry budget of a route target's new `handle` job. */
  maxAttemptsFor: (plugin: string) => number;
  maxRouteDepth: number;
  backoffBaseMs: number;
  random: Random;
  nowMs: number;
  newId: () => string;
}

/** One attempt as recorded (docs/jobs.md, "Lifecycle of a job"; docs/jobs.md, "The operator commands" `attempts[]`). */
export interface AttemptRecord {
  attempt: number;
  status: AttemptStatus;
  started_at: string;
  completed_at: string;
  duration_ms: number | null;
  exit_code: number | null;
  signal: string | null;
  error: string | null;
  /** null for a success: the question does not arise. */
  retryable: boolean | null;
  stderr: string;
  stderr_truncated: boolean;
  stderr_bytes_dropped: number;
  stdout: string | null;
  logs: LogEntry[];
}

/** What became of one matching route for one event. */
export interface PlannedRoute {
  to: string;
  /** The new job's id; null when dropped (or, once the store applies dedupe, deduplicated). */
  job_id: string | null;
  dropped: string | null;
}

export interface PlannedEvent {
  event_id: string;
  type: string;
  payload: unknown;
  dedupe_key: string | null;
  timestamp: string;
  source: string;
  /** Why (some of) its routes did not fire; null when nothing was dropped. */
  dropped: string | null;
  routes: PlannedRoute[];
}

export interface PlannedJob {
  id: string;
  plugin: string;
  command: "handle";
  payload: RequestEvent;
  submitted_by: "route";
  dedupe_key: string | null;
  parent_job_id: string;
  source_event_id: string;
  route_depth: number;
  max_attempts: number;
  created_at: string;
}

export type JobAfterAttempt = "succeeded" | "queued" | "dead";

export interface CompletionPlan {
  job: {
    id: string;
    status: JobAfterAttempt;
    /** The attempt number the job row holds afterwards (n + 1 when queued for a retry). */
    attempt: number;
    completed_at: string | null;
    next_retry_at: string | null;
    last_error: string | null;
  };
  attempt: AttemptRecord;
  /** The plugin's whole new state, or null when the state does not change. */
  state: { plugin: string; serialized: string } | null;
  events: PlannedEvent[];
  /** In event order, then route (config) order: that is their FIFO order too. */
  newJobs: PlannedJob[];
  breaker: { plugin: string; command: string; change: "reset" | "increment" };
  /** Events a command may not emit (init, health): ignored, counted for a warning. */
  ignoredEvents: number;
  /**
   * What may raise a system event (docs/operations.md): the job going dead. The store coalesces it
   * against the state it reads in the commit's own transaction (core/system-events.ts).
   */
  alerts: Occurrence[];
  /** The job as the cause of a system event (a breaker transition the store finds in the commit). */
  cause: { id: string; route_depth: number };
}

/** Commands whose events are ignored (docs/operations.md, "init and health"). */
const EVENTS_IGNORED = new Set(["init", "health"]);
/** health is read-only (docs/operations.md, "init and health"). */
const STATE_IGNORED = new Set(["health"]);

export function planCompletion(input: CompletionInput): CompletionPlan {
  const { job, outcome } = input;
  const response = outcome.response;
  let status = outcome.status;
  let error = outcome.error;
  let retryable = outcome.retryable;
  let state: CompletionPlan["state"] = null;
  let events: PlannedEvent[] = [];
  let newJobs: PlannedJob[] = [];
  let ignoredEvents = 0;

  if (status === "succeeded" && response !== null) {
    const stateChange = STATE_IGNORED.has(job.command)
      ? null
      : changedState(input.state, response.state_updates, response.state_replace === true);
    if (stateChange !== null && !stateChange.ok) {
      // Over the limit: the attempt fails and nothing from the response applies (docs/jobs.md, "Plugin state").
      status = "failed";
      error = stateChange.error;
      retryable = true;
    } else {
      if (stateChange !== null) state = { plugin: job.plugin, serialized: stateChange.serialized };
      const emitted = response.events ?? [];
      if (EVENTS_IGNORED.has(job.command)) ignoredEvents = emitted.length;
      else ({ events, newJobs } = planEvents(input, emitted));
    }
  }

  const attempt: AttemptRecord = {
    attempt: job.attempt,
    status,
    started_at: isoUtc(input.run.startedAt),
    completed_at: isoUtc(input.run.completedAt),
    duration_ms: input.run.durationMs,
    exit_code: input.run.exitCode,
    signal: input.run.signal,
    error,
    retryable: status === "succeeded" ? null : retryable,
    stderr: input.run.stderr,
    stderr_truncated: input.run.stderrTruncated,
    stderr_bytes_dropped: input.run.stderrBytesDropped,
    stdout: input.run.stdout,
    logs: response?.logs ?? [],
  };

  const next = nextJobState(input, status, error, retryable);
  const alerts: Occurrence[] =
    next.status === "dead"
      ? [
          {
            type: "postern.job.dead",
            plugin: job.plugin,
            command: job.command,
            at: input.nowMs,
            job: { id: job.id, route_depth: job.route_depth },
            reason: deadReason(error, job.attempt, retryable),
          },
        ]
      : [];
  return {
    job: next,
    attempt,
    state,
    events,
    newJobs,
    breaker: {
      plugin: job.plugin,
      command: job.command,
      change: status === "succeeded" ? "reset" : "increment",
    },
    ignoredEvents,
    alerts,
    cause: { id: job.id, route_depth: job.route_depth },
  };
}

function deadReason(error: string | null, attempt: number, retryable: boolean): string {
  const why = error ?? "failed";
  const attempts = attempt === 1 ? "1 attempt" : `${attempt} attempts`;
  return retryable ? `${why}; after ${attempts}` : `${why}; not retryable`;
}

function changedState(current: JsonObject, updates: JsonObject | undefined, replace: boolean) {
  // A response that touches nothing leaves the row alone (no needless write, no updated_at bump).
  if (updates === undefined && !replace) return null;
  return applyStateChange(current, updates, replace);
}

function nextJobState(
  input: CompletionInput,
  status: AttemptStatus,
  error: string | null,
  retryable: boolean,
): CompletionPlan["job"] {
  const { job, nowMs } = input;
  const now = isoUtc(nowMs);
  if (status === "succeeded") {
    return {
      id: job.id,
      status: "succeeded",
      attempt: job.attempt,
      completed_at: now,
      next_retry_at: null,
      last_error: null,
    };
  }
  if (retryable && job.attempt < job.max_attempts) {
    const delay = retryDelayMs(job.attempt, input.backoffBaseMs, input.random);
    return {
      id: job.id,
      status: "queued",
      attempt: job.attempt + 1,
      completed_at: null,
      next_retry_at: isoUtc(nowMs + delay),
      last_error: error,
    };
  }
  return {
    id: job.id,
    status: "dead",
    attempt: job.attempt,
    completed_at: now,
    next_retry_at: null,
    last_error: error,
  };
}

interface EmittedEvent {
  type: string;
  payload?: unknown;
  dedupe_key?: string | null | undefined;
}

function planEvents(
  input: CompletionInput,
  emitted: readonly EmittedEvent[],
): { events: PlannedEvent[]; newJobs: PlannedJob[] } {
  const { job } = input;
  const timestamp = isoUtc(input.nowMs);
  const depth = job.route_depth + 1;
  const events: PlannedEvent[] = [];
  const newJobs: PlannedJob[] = [];

  for (const ev of emitted) {
    const requestEvent: RequestEvent = {
      event_id: input.newId(),
      type: ev.type,
      payload: ev.payload ?? null,
      source: job.plugin,
      timestamp,
      dedupe_key: ev.dedupe_key ?? null,
    };
    const targets = matchRoutes(input.routes, job.plugin, ev.type);
    const tooDeep = targets.length > 0 && depth > input.maxRouteDepth;
    const routes: PlannedRoute[] = [];
    const reasons: string[] = [];

    for (const to of targets) {
      const reason = tooDeep
        ? `max_route_depth ${input.maxRouteDepth} exceeded`
        : input.enabledPlugins.has(to)
          ? null
          : `route target ${to} is disabled`;
      if (reason !== null) {
        routes.push({ to, job_id: null, dropped: reason });
        if (!reasons.includes(reason)) reasons.push(reason);
        continue;
      }
      const id = input.newId();
      routes.push({ to, job_id: id, dropped: null });
      newJobs.push({
        id,
        plugin: to,
        command: "handle",
        payload: requestEvent,
        submitted_by: "route",
        dedupe_key: requestEvent.dedupe_key ?? null,
        parent_job_id: job.id,
        source_event_id: requestEvent.event_id,
        route_depth: depth,
        max_attempts: input.maxAttemptsFor(to),
        created_at: timestamp,
      });
    }

    events.push({
      event_id: requestEvent.event_id,
      type: requestEvent.type,
      payload: requestEvent.payload,
      dedupe_key: requestEvent.dedupe_key ?? null,
      timestamp,
      source: job.plugin,
      dropped: reasons.length === 0 ? null : reasons.join("; "),
      routes,
    });
  }
  return { events, newJobs };
}
