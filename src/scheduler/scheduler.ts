/**
 * The heartbeat (docs/scheduling.md): on start, on reload and every tick_interval it brings each
 * scheduled plugin's plan up to date, steps the circuit breakers in time, enqueues the polls
 * that are due (through the daemon's submit, which wakes the dispatcher) and prunes a bounded
 * slice of old jobs. Decisions come from core/; this file only reads, writes and arms timers.
 */
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { alertSettingsOf, type Runtime } from "../contracts/runtime.js";
import type { Service, ServiceDeps } from "../contracts/service.js";
import { type BreakerState, reduceBreaker } from "../core/breaker.js";
import { isoUtc } from "../core/clock.js";
import { describe } from "../core/errors.js";
import { decideRun, type RunDecision } from "../core/schedule-decision.js";
import { logAlerts } from "../log/alerts.js";
import { logBreakerTransition } from "../log/circuit.js";
import type { Logger } from "../log/logger.js";
import { toBreaker } from "../store/breakers.js";
import type { RaisedAlerts, ScheduleRow } from "../store/index.js";
import { type PluginFacts, resolveZone, runFacts } from "./facts.js";
import { SpaceKeeper, type SpaceOptions } from "./maintenance.js";
import { currentPlan } from "./plan.js";
import { sleepFor } from "./timer.js";

export interface SchedulerOptions {
  /** Whether a plugin's init succeeded (docs/operations.md, "init and health"); every loaded plugin until that exists. */
  isHealthy?: (plugin: string) => boolean;
  /** Retention per tick: batches of this many jobs, at most `pruneMaxBatches`, yielding between. */
  pruneBatchSize?: number;
  pruneMaxBatches?: number;
  /** Reclaiming pruned space and truncating the WAL (maintenance.ts). */
  space?: SpaceOptions;
}

export interface TickReport {
  at: string;
  enqueued: { plugin: string; job_id: string; reason: string }[];
  skipped: { plugin: string; reason: string }[];
  /** When the next plan or circuit becomes due (ms), or null: just the next tick. */
  wakeAt: number | null;
}

export class Scheduler implements Service {
  readonly name = "scheduler";
  private readonly log: Logger;
  private readonly isHealthy: (plugin: string) => boolean;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  /** Circuit states seen at the last tick: an operator's `postern reset` shows up as a change. */
  private readonly seen = new Map<string, BreakerState>();
  readonly space: SpaceKeeper;

  constructor(
    private readonly ctx: ServiceDeps,
    private readonly opts: SchedulerOptions = {},
  ) {
    this.log = ctx.log.child({ component: "scheduler" });
    this.isHealthy = opts.isHealthy ?? (() => true);
    this.space = new SpaceKeeper(ctx.store, this.log, opts.space);
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.space.convertAtStart();
    await this.tickNow();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** After a reload: plans of changed schedules are redrawn, the others kept (see plan.ts). */
  onRuntimeChange(): Promise<void> {
    return this.tickNow();
  }

  /** A plugin whose init just succeeded is due now, not at the next heartbeat. */
  onHealthChange(): Promise<void> {
    return this.stopped ? Promise.resolve() : this.tickNow();
  }

  /** Runs a tick now (or right after the one in progress) and re-arms the timer. */
  tickNow(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        let wakeAt: number | null = null;
        try {
          wakeAt = this.tick().wakeAt;
          await this.prune();
          await this.space.reclaim(() => this.stopped);
          this.space.checkpointIfIdle(this.ctx.clock.now());
        } catch (e) {
          this.log.error({ err: describe(e) }, `scheduler tick failed: ${describe(e)}`);
        }
        this.arm(wakeAt);
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private arm(wakeAt: number | null): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.stopped) return;
    const tickMs = this.ctx.runtime().config.service.tick_interval;
    this.timer = setTimeout(() => void this.tickNow(), sleepFor(this.ctx.clock.now(), wakeAt, tickMs));
    this.timer.unref();
  }

  /** One synchronous pass: breakers, plans, decisions, enqueues. */
  tick(): TickReport {
    const nowMs = this.ctx.clock.now();
    const rt = this.ctx.runtime();
    this.stepBreakers(rt, nowMs);
    this.flushAlerts(rt, nowMs);
    this.checkHeartbeats(rt, nowMs);
    const report: TickReport = { at: isoUtc(nowMs), enqueued: [], skipped: [], wakeAt: null };
    // Resolved only when some plugin has a schedule: naming the host's zone ("local") is the
    // daemon's first use of Intl, which maps ICU's zone and locale data (~6 MB of RSS) for good.
    let zone: string | null = null;
    const scheduled = new Set<string>();
    for (const [plugin, pc] of Object.entries(rt.config.plugins)) {
      if (pc.schedule === null) continue;
      scheduled.add(plugin);
      zone ??= resolveZone(rt.config.service.timezone);
      try {
        const plan = { store: this.ctx.store, random: this.ctx.random, log: this.log, nowMs, zone };
        const row = currentPlan(plan, plugin, pc.schedule);
        const decision = this.decide(rt, plugin, row, nowMs);
        if (decision === null) continue;
        this.act(rt, plugin, row, decision, report);
        const at = decision.action === "enqueue" ? null : decision.atMs;
        if (at !== null && at > nowMs) report.wakeAt = Math.min(report.wakeAt ?? at, at);
      } catch (e) {
        // One plugin's trouble (a busy database, a bad zone) must not stop the others' polls.
        const message = describe(e);
        this.log.error({ plugin, err: message }, `scheduling ${plugin} failed: ${message}`);
      }
    }
    for (const row of this.ctx.store.schedules()) {
      if (!scheduled.has(row.plugin)) this.ctx.store.removeSchedule(row.plugin);
    }
    this.log.debug(
      { enqueued: report.enqueued.length, skipped: report.skipped.length, wake_at: report.wakeAt },
      "scheduler tick",
    );
    return report;
  }

  pluginFacts(rt: Runtime, plugin: string): PluginFacts {
    const loaded = rt.registry.get(plugin);
    return {
      loaded: loaded !== undefined,
      hasPoll: loaded?.manifest.commands.includes("poll") ?? false,
      healthy: this.isHealthy(plugin),
    };
  }

  private decide(rt: Runtime, plugin: string, row: ScheduleRow, nowMs: number): RunDecision | null {
    const facts = runFacts({
      store: this.ctx.store,
      config: rt.config,
      plugin,
      row,
      facts: this.pluginFacts(rt, plugin),
      nowMs,
    });
    return facts === null ? null : decideRun(facts);
  }

  private act(rt: Runtime, plugin: string, row: ScheduleRow, d: RunDecision, report: TickReport): void {
    const { store } = this.ctx;
    if (d.action === "skip") {
      report.skipped.push({ plugin, reason: d.reason });
      if (row.skip_kind !== d.skip) {
        // Once per run and reason, not once per tick: the stored kind survives restarts too.
        this.log.debug(
          { plugin, skip: d.skip, next_run_at: d.atMs === null ? null : isoUtc(d.atMs) },
          `due poll of ${plugin} not enqueued: ${d.reason}`,
        );
      }
      if (row.skip_kind !== d.skip || row.skip_reason !== d.reason) {
        store.recordScheduleSkip(plugin, { kind: d.skip, reason: d.reason });
      }
      store.recordWhy(plugin, d.skip, d.reason);
      return;
    }
    if (d.action !== "enqueue") return;
    const pc = rt.config.plugins[plugin];
    if (pc === undefined) return;
    const result = this.ctx.submit({
      plugin,
      command: "poll",
      payload: null,
      submittedBy: "scheduler",
      maxAttempts: pc.retry.max_attempts,
    });
    if (!("job" in result)) return;
    store.setScheduledRun(plugin, result.job.id);
    // Runs missed while the daemon was down run once: the ledger says so (docs/operations.md).
    if (d.reason.startsWith("missed run"))
      store.recordWhy(plugin, "missed_while_down", `${d.reason}; ran once as ${result.job.id}`);
    report.enqueued.push({ plugin, job_id: result.job.id, reason: d.reason });
    this.log.info(
      { plugin, job_id: result.job.id, planned_at: row.next_run_at, trial: d.trial, reason: d.reason },
      `poll enqueued for ${plugin} (${d.reason})`,
    );
  }

  /** System events that waited out their coalescing interval go out now (docs/operations.md). */
  private flushAlerts(rt: Runtime, nowMs: number): void {
    try {
      this.alerted(this.ctx.store.flushAlerts(nowMs, alertSettingsOf(rt)));
    } catch (e) {
      this.log.error({ err: describe(e) }, `system events not flushed: ${describe(e)}`);
    }
  }

  /** Heartbeats (docs/operations.md) of every enabled plugin with an `expect`. */
  private checkHeartbeats(rt: Runtime, nowMs: number): void {
    for (const [plugin, pc] of Object.entries(rt.config.plugins)) {
      if (pc.expect === null || !rt.enabledPlugins.has(plugin)) continue;
      for (const kind of ["success", "event"] as const) {
        const within = kind === "success" ? pc.expect.success_within : pc.expect.event_within;
        if (within === null) continue;
        try {
          this.alerted(
            this.ctx.store.checkHeartbeat(plugin, kind, within, nowMs, alertSettingsOf(rt)).raised,
          );
        } catch (e) {
          this.log.error({ plugin, err: describe(e) }, `heartbeat of ${plugin} not checked: ${describe(e)}`);
        }
      }
    }
  }

  private alerted(raised: RaisedAlerts): void {
    logAlerts(this.log, raised);
    if (raised.sent.some((ev) => ev.jobs.length > 0)) this.ctx.wake?.();
  }

  /** Time steps (half-open after reset_after; a count at the threshold opens) and resets seen. */
  private stepBreakers(rt: Runtime, nowMs: number): void {
    const { store } = this.ctx;
    for (const row of store.breakers()) {
      const pc = rt.config.plugins[row.plugin];
      if (pc === undefined) continue;
      const key = `${row.plugin}\u0000${row.command}`;
      const before = this.seen.get(key);
      if (
        before !== undefined &&
        before !== "closed" &&
        row.state === "closed" &&
        row.reason === "postern reset"
      ) {
        this.log.info(
          {
            plugin: row.plugin,
            command: row.command,
            circuit: "closed",
            previous: before,
            reason: row.reason,
          },
          `circuit closed: circuit of ${row.plugin} ${row.command}: postern reset`,
        );
      }
      const event = {
        type: "tick",
        at: nowMs,
        threshold: pc.circuit_breaker.threshold,
        resetAfterMs: pc.circuit_breaker.reset_after,
      } as const;
      let state = row.state;
      if (reduceBreaker(toBreaker(row), event).transition !== null) {
        const raised: RaisedAlerts = { sent: [], suppressed: [] };
        const t = store.stepBreaker(row.plugin, row.command, event, alertSettingsOf(rt), raised);
        this.alerted(raised);
        if (t !== null) {
          logBreakerTransition(this.log.child({ plugin: row.plugin }), t, pc.circuit_breaker.reset_after);
          state = t.to;
        }
      }
      this.seen.set(key, state);
    }
  }

  /** Retention (docs/scheduling.md), in slices that yield to the dispatcher and the listener between them. */
  private async prune(): Promise<void> {
    const rt = this.ctx.runtime();
    const cutoff = this.ctx.clock.now() - rt.config.service.job_log_retention;
    const size = this.opts.pruneBatchSize ?? 500;
    const max = this.opts.pruneMaxBatches ?? 20;
    let deleted = 0;
    for (let i = 0; i < max && !this.stopped; i++) {
      const n = this.ctx.store.pruneTerminal(cutoff, size, 1).deleted;
      deleted += n;
      if (n < size) break;
      await yieldToLoop();
    }
    // The system event log goes with the job log (docs/operations.md: bounded like it).
    if (!this.stopped) deleted += this.ctx.store.pruneSystemEvents(cutoff);
    if (deleted > 0) {
      this.log.debug(
        { deleted, older_than: isoUtc(cutoff) },
        `pruned ${deleted} terminal jobs older than ${isoUtc(cutoff)}`,
      );
    }
  }
}

export function createScheduler(ctx: ServiceDeps, opts: SchedulerOptions = {}): Scheduler {
  return new Scheduler(ctx, opts);
}
