/**
 * Read models for `status --json` and `/healthz` (docs/jobs.md, "The operator commands"; docs/webhooks.md): when a plugin polls next
 * and why, and its circuits. They work from the database and the config alone, so `status`
 * answers with or without a running daemon, and they use the tick's own decision function.
 */
import type { Config } from "../config/types.js";
import type { BreakerState } from "../core/breaker.js";
import { isoUtc } from "../core/clock.js";
import { decideRun, localTime } from "../core/schedule-decision.js";
import type { Store } from "../store/index.js";
import { breakerAt, type PluginFacts, resolveZone, runFacts } from "./facts.js";
import { scheduleHash } from "./plan.js";

export interface ScheduleView {
  /** ISO 8601 UTC, or null when no run is planned (no schedule, disabled, poll in progress). */
  next_run_at: string | null;
  /** Why it is then (or why not): "next run 06:00 (window)", "circuit open until 14:32", ... */
  next_run_reason: string;
}

export interface CircuitView {
  state: BreakerState;
  failures: number;
  opened_at: string | null;
}

export function scheduleView(input: {
  store: Store;
  config: Config;
  plugin: string;
  facts: PluginFacts;
  nowMs: number;
}): ScheduleView {
  const { store, config, plugin, nowMs } = input;
  const pc = config.plugins[plugin];
  if (pc === undefined) return none("not in the config");
  if (pc.schedule === null) return none("no schedule");
  const row = store.schedule(plugin);
  const zone = resolveZone(config.service.timezone);
  if (row === null) return none("not planned yet: the daemon plans it when it starts");
  if (row.config_hash !== scheduleHash(pc.schedule, zone)) {
    return none("schedule changed: the daemon replans it at its next tick or reload");
  }
  const successAt = store.breaker(plugin, "poll")?.last_success_at ?? null;
  if (successAt !== null && (row.anchor_at === null || successAt > row.anchor_at)) {
    return none(
      `poll succeeded at ${localTime(Date.parse(successAt), zone, nowMs)}; next run planned at the next tick`,
    );
  }
  const facts = runFacts({ store, config, plugin, row, facts: input.facts, nowMs });
  if (facts === null) return none("no schedule");
  const d = decideRun(facts);
  if (d.action === "enqueue") return { next_run_at: isoUtc(nowMs), next_run_reason: `due now (${d.reason})` };
  return { next_run_at: d.atMs === null ? null : isoUtc(d.atMs), next_run_reason: d.reason };
}

function none(reason: string): ScheduleView {
  return { next_run_at: null, next_run_reason: reason };
}

/** Every circuit of the plugin by command, as it stands now (open past reset_after: half-open). */
export function circuitsView(input: {
  store: Store;
  config: Config;
  plugin: string;
  nowMs: number;
}): Record<string, CircuitView> {
  const pc = input.config.plugins[input.plugin];
  const out: Record<string, CircuitView> = {};
  for (const row of input.store.breakers(input.plugin)) {
    const b = pc === undefined ? null : breakerAt(row, pc, input.nowMs);
    out[row.command] = {
      state: b?.state ?? row.state,
      failures: row.failures,
      opened_at: row.opened_at,
    };
  }
  return out;
}

/** Configured plugins with at least one circuit not closed (half-open still holds polls back). */
export function pluginsWithOpenCircuit(store: Store, config: Config, nowMs: number): number {
  let n = 0;
  for (const plugin of Object.keys(config.plugins)) {
    const circuits = Object.values(circuitsView({ store, config, plugin, nowMs }));
    if (circuits.some((c) => c.state !== "closed")) n += 1;
  }
  return n;
}
