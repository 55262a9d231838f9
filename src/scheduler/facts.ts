/**
 * The facts a scheduling decision is made from, read the same way by the tick and by the read
 * models (`status`, `/healthz`), so what status says is what the scheduler does.
 */
import { DateTime } from "luxon";
import type { Config, PluginConfig } from "../config/types.js";
import { type Breaker, reduceBreaker } from "../core/breaker.js";
import type { RunPlan } from "../core/schedule.js";
import type { RunFacts } from "../core/schedule-decision.js";
import { toBreaker } from "../store/breakers.js";
import type { BreakerRow, ScheduleRow, Store } from "../store/index.js";

export interface PluginFacts {
  loaded: boolean;
  hasPoll: boolean;
  healthy: boolean;
}

/** `service.timezone`: "local" is the host's zone, named, so a changed host zone replans. */
export function resolveZone(timezone: string): string {
  return timezone === "local" ? (DateTime.local().zoneName ?? "UTC") : timezone;
}

export function planOf(row: ScheduleRow): RunPlan {
  return {
    anchorMs: row.anchor_at === null ? null : Date.parse(row.anchor_at),
    offsetMs: row.offset_ms,
    baseMs: Date.parse(row.base_at),
    atMs: Date.parse(row.next_run_at),
  };
}

/** The breaker as it stands at `nowMs`: an open circuit past reset_after reads half-open. */
export function breakerAt(row: BreakerRow | null, pc: PluginConfig, nowMs: number): Breaker {
  const { threshold, reset_after } = pc.circuit_breaker;
  return reduceBreaker(toBreaker(row), { type: "tick", at: nowMs, threshold, resetAfterMs: reset_after })
    .next;
}

/** The job enqueued for the plan while it is still queued or running, else null. */
export function outstandingRunJob(store: Store, row: ScheduleRow): string | null {
  if (row.run_job_id === null) return null;
  const status = store.getJob(row.run_job_id)?.status;
  return status === "queued" || status === "running" ? row.run_job_id : null;
}

export function runFacts(input: {
  store: Store;
  config: Config;
  plugin: string;
  row: ScheduleRow;
  facts: PluginFacts;
  nowMs: number;
}): RunFacts | null {
  const { store, config, plugin, row, nowMs } = input;
  const pc = config.plugins[plugin];
  if (pc === undefined || pc.schedule === null) return null;
  const runJobId = outstandingRunJob(store, row);
  return {
    nowMs,
    zone: resolveZone(config.service.timezone),
    schedule: pc.schedule,
    plan: planOf(row),
    runJobId,
    failedPolls: runJobId === null ? row.polls : row.polls - 1,
    plugin: { enabled: pc.enabled, ...input.facts, paused: store.isPaused(plugin, "poll") },
    breaker: breakerAt(store.breaker(plugin, "poll"), pc, nowMs),
    resetAfterMs: pc.circuit_breaker.reset_after,
    outstandingPolls: store.countOutstandingPolls(plugin),
    maxOutstandingPolls: pc.max_outstanding_polls,
  };
}
