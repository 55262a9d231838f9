/**
 * The durable store: one SQLite connection and everything the daemon and the CLI do with it.
 * Each method is one transaction (or one read); the logic lives in the per-concern modules.
 */

import type { Statement } from "better-sqlite3";
import type { BreakerEvent } from "../core/breaker.js";
import { isoUtc } from "../core/clock.js";
import type { CompletionPlan } from "../core/completion.js";
import { PosternError } from "../core/errors.js";
import { type HeartbeatKind, stepHeartbeat } from "../core/heartbeat.js";
import { applyStateChange, type JsonObject } from "../core/state.js";
import { type AlertSettings, circuitOccurrence, type Occurrence } from "../core/system-events.js";
import type { SystemEventRow } from "./alerts.js";
import { type Audit, auditDatabase } from "./audit.js";
import { type BackupResult, backupDatabase, checkOpen } from "./backup.js";
import { fillHistory, type HistoryFill } from "./bench-fill.js";
import type { BreakerRow, BreakerTransition } from "./breakers.js";
import { type BulkRetryFilter, type BulkRetryItem, retryDeadJobs } from "./bulk-retry.js";
import { type AttemptOwner, type ClaimAhead, type CommitResult, commitAttempt } from "./complete.js";
import { type CommitHealth, type StoreConnection, writeTx } from "./connection.js";
import {
  DashboardQueries,
  type EventSummary,
  type HourCount,
  type JobPage,
  type JobSummary,
  type JobTree,
} from "./dashboard.js";
import { type EnqueueInput, type EnqueueResult, enqueueJob, enqueueJobs, retryDeadJob } from "./enqueue.js";
import type { HeartbeatRow } from "./heartbeats.js";
import { cancelJob, type KilledJob, markDeadForPlugins, requeueWithoutAttempt } from "./lifecycle.js";
import { MetaTable } from "./meta.js";
import { type PauseRow, PausesTable } from "./pauses.js";
import { Queries, type QueueStats } from "./queries.js";
import { type RecoveredJob, recoverOrphans } from "./recovery.js";
import { Retention } from "./retention.js";
import { type SchedulePlanRow, type ScheduleRow, SchedulesTable } from "./schedule.js";
import {
  checkpointTruncate,
  convertToIncremental,
  type FileSpace,
  fileSpace,
  incrementalVacuum,
} from "./space.js";
import {
  type CountedOccurrences,
  flushAlerts,
  noAlerts,
  type RaisedAlerts,
  raiseAlerts,
  raisePendingAlerts,
} from "./system-events.js";
import {
  type AttemptLogEntry,
  type AttemptView,
  type ClaimedJob,
  type Job,
  type JobDetail,
  type JobStatus,
  toAttemptView,
} from "./types.js";
import type { LedgerRow } from "./why-ledger.js";

export class Store {
  private readonly queries: Queries;
  private readonly retention: Retention;
  private readonly meta: MetaTable;
  /** recordSpawn's durability switch, prepared at its first use (a read-only store never needs it). */
  private synchronousPragmas: { normal: Statement; full: Statement } | null = null;

  constructor(
    private readonly ctx: StoreConnection,
    readonly readonly: boolean,
  ) {
    this.queries = new Queries(ctx.db, ctx);
    this.retention = new Retention(ctx.db);
    this.meta = new MetaTable(ctx.db);
  }

  /** Absolute path of the database file. */
  get file(): string {
    return this.ctx.file;
  }

  /** Whether the last write transaction committed, and how many failed since opening. */
  commitHealth(): Readonly<CommitHealth> {
    return this.ctx.commits;
  }

  /** Integrity check plus every job and event (crash test, manual checks; not a hot path). */
  audit(): Audit {
    return auditDatabase(this.ctx.db);
  }

  /** `postern backup`: a consistent, checked copy of the database at `target` (backup.ts). */
  backupTo(target: string, opts: { force: boolean }): BackupResult {
    return backupDatabase(this.ctx.db, target, { force: opts.force, now: () => performance.now() });
  }

  // --- a bounded file (space.ts) -----------------------------------------------------------

  fileSpace(): FileSpace {
    return fileSpace(this.ctx.db, this.ctx.file);
  }

  /** One incremental_vacuum step of at most `pages` pages; returns how many were freed. */
  reclaimFreePages(pages: number): number {
    return incrementalVacuum(this.ctx.db, pages);
  }

  checkpointTruncate(): { done: boolean; wal_pages: number } {
    return checkpointTruncate(this.ctx.db);
  }

  /** A full VACUUM to switch an existing file to incremental auto-vacuum (see space.ts). */
  convertToIncrementalVacuum(): void {
    convertToIncremental(this.ctx.db);
  }

  /** True while a job is queued or running (the maintenance then waits). */
  hasOutstandingJobs(): boolean {
    this.busyStmt ??= this.ctx.db.prepare(
      "SELECT EXISTS (SELECT 1 FROM jobs WHERE status IN ('queued','running'))",
    );
    return this.busyStmt.pluck().get() === 1;
  }
  private busyStmt: import("better-sqlite3").Statement | undefined;

  /** `integrity_check` (or `quick_check`) of this database: ["ok"] or the problems found. */
  integrityCheck(opts: { quick?: boolean } = {}): string[] {
    return checkOpen(this.ctx.db, opts);
  }

  close(): void {
    if (this.ctx.db.open) this.ctx.db.close();
  }

  // --- submitting and running work -------------------------------------------------------

  enqueueJob(input: EnqueueInput, opts: { dedupeTtlMs: number }): EnqueueResult {
    return enqueueJob(this.ctx, input, opts);
  }

  /** Several jobs in one write transaction (the webhook group commit); results in input order. */
  enqueueJobs(inputs: readonly EnqueueInput[], opts: { dedupeTtlMs: number }): EnqueueResult[] {
    return enqueueJobs(this.ctx, inputs, opts);
  }

  /**
   * The oldest ready job, marked running. Jobs of `excludePlugins` (unhealthy: init pending or failed)
   * are skipped and keep their place: they wait, they are not lost (docs/operations.md, "init and health"). An entry may also
   * be a pause key, "plugin command", which skips only that command's jobs (`pauseKeys`).
   */
  claimNextReadyJob(nowMs: number, opts: { excludePlugins?: Iterable<string> } = {}): ClaimedJob | null {
    return this.ctx.jobs.claimNext(nowMs, opts.excludePlugins ?? []);
  }

  /**
   * Remembers the attempt's process group so recovery can kill it after a core crash.
   *
   * Committed with synchronous = NORMAL: durable against a crash of this process (the WAL is
   * in the OS's hands), not against a power loss — and after a power loss there is no process
   * group left to kill, so nothing is lost. The next FULL commit (the attempt's own) fsyncs the
   * WAL with this record in it. This fsync was the largest single cost of a dispatched job
   * (docs/performance.md); every other commit keeps FULL.
   */
  recordSpawn(jobId: string, pgid: number, startTime: string | null): void {
    // Prepared once: `db.pragma()` parses its statement on every call, twice per job here.
    this.synchronousPragmas ??= {
      normal: this.ctx.db.prepare("PRAGMA synchronous = NORMAL"),
      full: this.ctx.db.prepare("PRAGMA synchronous = FULL"),
    };
    this.synchronousPragmas.normal.run();
    let recorded: boolean;
    try {
      recorded = this.ctx.jobs.recordSpawn(jobId, pgid, startTime);
    } finally {
      this.synchronousPragmas.full.run();
    }
    if (!recorded) {
      throw new PosternError("job_not_running", `job ${jobId} is not running; spawn not recorded`);
    }
  }

  /** The connection's `PRAGMA synchronous` (2 = FULL), for the durability tests. */
  synchronousLevel(): number {
    return this.ctx.db.pragma("synchronous", { simple: true }) as number;
  }

  /**
   * Everything an attempt changes, in one transaction (docs/design.md, "The transaction boundary"). With `claimNext`, the next
   * ready job is claimed in that same transaction: a busy queue then pays one fsync per job
   * for completion and claim together, with the claim exactly as durable as before.
   */
  commitAttempt(
    job: AttemptOwner,
    plan: CompletionPlan,
    opts: {
      dedupeTtlMs: number;
      breakerThreshold?: number;
      claimNext?: ClaimAhead | null;
      alerts?: AlertSettings | null;
    },
  ): CommitResult {
    return commitAttempt(this.ctx, job, plan, opts);
  }

  requeueWithoutAttempt(jobId: string): Job {
    return requeueWithoutAttempt(this.ctx, jobId);
  }

  recoverOrphans(
    nowMs: number,
    isSameProcess: (pgid: number, startTime: string) => boolean,
    kill: (pgid: number) => void,
    alerts: AlertSettings | null = null,
    raised: RaisedAlerts = noAlerts(),
  ): RecoveredJob[] {
    return recoverOrphans(this.ctx, nowMs, isSameProcess, kill, alerts, raised);
  }

  markDeadForPlugins(reasonByPlugin: ReadonlyMap<string, string>): KilledJob[] {
    return markDeadForPlugins(this.ctx, reasonByPlugin);
  }

  // --- operator commands -----------------------------------------------------------------

  cancelJob(id: string): Job {
    return cancelJob(this.ctx, id);
  }

  retryDeadJob(id: string, opts: { maxAttempts?: number } = {}): Job {
    return retryDeadJob(this.ctx, id, opts);
  }

  /** Bulk retry of dead jobs in one transaction (see bulk-retry.ts); a dry run writes nothing. */
  retryDeadJobs(
    filter: BulkRetryFilter,
    opts: { dryRun: boolean; admit: (plugin: string) => number | string },
  ): BulkRetryItem[] {
    return retryDeadJobs(this.ctx, filter, opts);
  }

  getState(plugin: string): JsonObject {
    return this.ctx.state.get(plugin);
  }

  /** `state set`: replaces the whole state; the 1 MB limit applies as to any plugin write. */
  setState(plugin: string, state: unknown): void {
    if (typeof state !== "object" || state === null || Array.isArray(state)) {
      throw new PosternError("bad_state", "plugin state must be a JSON object");
    }
    const change = applyStateChange({}, state as JsonObject, true);
    if (!change.ok) throw new PosternError("state_too_large", change.error.replace(/;.*$/, ""));
    writeTx(this.ctx, () => this.ctx.state.put(plugin, change.serialized, isoUtc(this.ctx.clock.now())));
  }

  breakers(plugin?: string): BreakerRow[] {
    return this.ctx.breakers.list(plugin);
  }

  /** `postern reset`: closes the plugin's circuits (or one command's); returns how many. */
  resetBreaker(plugin: string, command?: string): number {
    return writeTx(this.ctx, () => this.ctx.breakers.close(plugin, command, isoUtc(this.ctx.clock.now())));
  }

  pruneTerminal(
    olderThanMs: number,
    batchSize: number,
    maxBatches?: number,
  ): { deleted: number; batches: number } {
    return this.retention.pruneTerminal(olderThanMs, batchSize, maxBatches);
  }

  // --- read models -----------------------------------------------------------------------

  getJob(id: string): Job | null {
    return this.queries.getJob(id);
  }

  jobsByIdPrefix(prefix: string, limit: number): Job[] {
    return this.queries.jobsByIdPrefix(prefix, limit);
  }

  listJobs(opts: { plugin?: string; status?: JobStatus; limit: number }): Job[] {
    return this.queries.listJobs(opts);
  }

  listQueue(): Job[] {
    return this.queries.listQueue();
  }

  jobDetail(id: string): JobDetail | null {
    return this.queries.jobDetail(id);
  }

  recentAttempts(opts: { plugin?: string; sinceSeq?: number; limit: number }): AttemptLogEntry[] {
    return this.queries.recentAttempts(opts);
  }

  queueStats(nowMs: number): QueueStats {
    return this.queries.queueStats(nowMs);
  }

  /**
   * When the earliest waiting retry becomes ready (epoch ms), or null: the dispatcher's timer.
   * Retries of `excludePlugins` (unhealthy, which the claim skips too) do not count.
   */
  nextRetryAt(opts: { excludePlugins?: Iterable<string> } = {}): number | null {
    return this.queries.nextRetryAt(opts.excludePlugins ?? []);
  }

  dedupeHits(plugin: string): number {
    return this.ctx.dedupe.hits(plugin);
  }

  /** Every plugin's dedupe hits, for /metrics. */
  allDedupeHits(): Record<string, number> {
    return this.ctx.dedupe.allHits();
  }

  countOutstandingPolls(plugin: string): number {
    return this.queries.countOutstandingPolls(plugin);
  }

  dataVersion(): number {
    return this.queries.dataVersion();
  }

  // --- the web dashboard (docs/dashboard.md) -----------------------------------------------

  private preparedDashboard: DashboardQueries | undefined;
  /** Prepared on first use: only a daemon whose dashboard is asked for needs them. */
  private get dashboardQueries(): DashboardQueries {
    this.preparedDashboard ??= new DashboardQueries(this.ctx.db);
    return this.preparedDashboard;
  }

  /** Jobs that reached succeeded or dead since `sinceMs`, counted per UTC hour and status. */
  jobsFinishedPerHour(sinceMs: number): HourCount[] {
    return this.dashboardQueries.finishedPerHour(isoUtc(sinceMs));
  }

  /**
   * A page of jobs without payloads, newest first; `before` is a job id (the previous page's
   * `next_before`). Null when `before` names no job.
   */
  jobPage(opts: { plugin?: string; status?: JobStatus; before?: string; limit: number }): JobPage | null {
    const { before, ...rest } = opts;
    if (before === undefined) return this.dashboardQueries.page(rest);
    const seq = this.dashboardQueries.seqOf(before);
    return seq === null ? null : this.dashboardQueries.page({ ...rest, beforeSeq: seq });
  }

  jobSummary(id: string): JobSummary | null {
    return this.dashboardQueries.summary(id);
  }

  /** Every attempt of a job, oldest first. */
  jobAttempts(id: string): AttemptView[] {
    return this.ctx.attempts.forJob(id).map(toAttemptView);
  }

  /**
   * The first `limit` events a job emitted, without payloads, and what became of each route;
   * `total` counts them all.
   */
  jobEvents(id: string, limit: number): { events: EventSummary[]; total: number } {
    const events = this.dashboardQueries.events(id, limit);
    return { events, total: events.length < limit ? events.length : this.dashboardQueries.eventCount(id) };
  }

  /** A job's parent chain and the (bounded) tree of jobs its events became. */
  jobTree(job: JobSummary, limits: { maxNodes: number; maxDepth: number }): JobTree {
    return this.dashboardQueries.tree(job, limits);
  }

  // --- scheduler (docs/scheduling.md) ---------------------------------------------------------------

  private preparedSchedules: SchedulesTable | undefined;
  /** Prepared on first use: most CLI commands never touch schedules. */
  private get schedulesTable(): SchedulesTable {
    this.preparedSchedules ??= new SchedulesTable(this.ctx.db);
    return this.preparedSchedules;
  }

  schedule(plugin: string): ScheduleRow | null {
    return this.schedulesTable.get(plugin);
  }

  schedules(): ScheduleRow[] {
    return this.schedulesTable.all();
  }

  saveSchedulePlan(plan: SchedulePlanRow): void {
    writeTx(this.ctx, () => this.schedulesTable.putPlan(plan));
  }

  /** Marks the plan as enqueued as `jobId` (counted unless `counted` is false), or as due again (null). */
  setScheduledRun(plugin: string, jobId: string | null, counted?: boolean): void {
    writeTx(this.ctx, () =>
      this.schedulesTable.setRunJob(plugin, jobId, isoUtc(this.ctx.clock.now()), counted),
    );
  }

  recordScheduleSkip(plugin: string, skip: { kind: string; reason: string } | null): void {
    writeTx(this.ctx, () => this.schedulesTable.setSkip(plugin, skip, isoUtc(this.ctx.clock.now())));
  }

  removeSchedule(plugin: string): boolean {
    return writeTx(this.ctx, () => this.schedulesTable.remove(plugin));
  }

  breaker(plugin: string, command: string): BreakerRow | null {
    return this.ctx.breakers.get(plugin, command);
  }

  /**
   * One breaker event (the scheduler's time step), read and written in one transaction, with
   * the system event of a circuit that opened or closed (docs/operations.md) when `alerts` is given.
   */
  stepBreaker(
    plugin: string,
    command: string,
    event: BreakerEvent,
    alerts: AlertSettings | null = null,
    raised: RaisedAlerts = noAlerts(),
  ): BreakerTransition | null {
    return writeTx(this.ctx, () => {
      const t = this.ctx.breakers.step(plugin, command, event);
      if (t !== null) {
        const occurrence = circuitOccurrence(t, plugin, command, event.at, null);
        if (occurrence !== null) raiseAlerts(this.ctx, [occurrence], alerts, raised);
      }
      return t;
    });
  }

  /** Raises system events in one transaction of their own (a change already committed elsewhere is not their cause). */
  raiseSystemEvents(occurrences: readonly Occurrence[], alerts: AlertSettings): RaisedAlerts {
    return writeTx(this.ctx, () => raiseAlerts(this.ctx, occurrences, alerts));
  }

  /**
   * One heartbeat check (docs/operations.md) at the tick: the state change and its missed/recovered
   * event commit together, so a restart neither re-fires nor forgets.
   */
  checkHeartbeat(
    plugin: string,
    kind: HeartbeatKind,
    withinMs: number,
    nowMs: number,
    alerts: AlertSettings,
  ): { transition: "missed" | "recovered" | null; raised: RaisedAlerts } {
    return writeTx(this.ctx, () => {
      const state = this.ctx.heartbeats.get(plugin, kind);
      const seen = kind === "success" ? this.ctx.heartbeats.lastSuccess(plugin) : null;
      const step = stepHeartbeat(kind, state, seen, withinMs, nowMs);
      this.ctx.heartbeats.put(plugin, kind, step.next);
      const raised = noAlerts();
      if (step.transition !== null) {
        const occurrence: Occurrence = {
          type: step.transition.to === "missed" ? "postern.heartbeat.missed" : "postern.heartbeat.recovered",
          plugin,
          command: `${kind}_within`,
          at: nowMs,
          job: null,
          reason: step.transition.reason,
        };
        raiseAlerts(this.ctx, [occurrence], alerts, raised);
      }
      return { transition: step.transition?.to ?? null, raised };
    });
  }

  /** A due poll not enqueued, or a run missed while down (docs/operations.md), into the why-ledger. */
  recordWhy(plugin: string, kind: string, reason: string): void {
    writeTx(this.ctx, () => this.ctx.whyLedger.record(plugin, kind, reason, this.ctx.clock.now()));
  }

  whyLedger(plugin: string, limit: number): LedgerRow[] {
    return this.ctx.whyLedger.recent(plugin, limit);
  }

  whyLedgerCounts(): { plugin: string; kind: string; n: number }[] {
    return this.ctx.whyLedger.counts();
  }

  heartbeats(plugin?: string): HeartbeatRow[] {
    return this.ctx.heartbeats.list(plugin);
  }

  /** System events whose coalescing interval has passed with something accumulated (the tick). */
  flushAlerts(nowMs: number, alerts: AlertSettings): RaisedAlerts {
    return writeTx(this.ctx, () => flushAlerts(this.ctx, nowMs, alerts));
  }

  /** System events sent, newest first (of one plugin, or all). */
  systemEvents(plugin: string | null, limit: number): SystemEventRow[] {
    return this.ctx.alerts.recent(plugin, limit);
  }

  /** System events sent per type, of those still kept (for /metrics). */
  systemEventCounts(): Map<string, number> {
    return this.ctx.alerts.countByType();
  }

  /** Retention of the system event log, with the job log's cutoff. */
  pruneSystemEvents(olderThanMs: number): number {
    return writeTx(
      this.ctx,
      () => this.ctx.alerts.prune(olderThanMs) + this.ctx.whyLedger.prune(olderThanMs),
    );
  }

  /**
   * `postern reset`: closes the circuits; returns those that were not closed, as they were.
   * With `alerts`, each circuit that was open or half-open raises postern.circuit.closed in
   * the same transaction (docs/operations.md).
   */
  closeCircuits(plugin: string, command?: string, alerts: AlertSettings | null = null): BreakerRow[] {
    return writeTx(this.ctx, () => {
      const before = this.ctx.breakers
        .list(plugin)
        .filter(
          (b) => (command === undefined || b.command === command) && (b.state !== "closed" || b.failures > 0),
        );
      const now = this.ctx.clock.now();
      if (before.length > 0) this.ctx.breakers.close(plugin, command, isoUtc(now));
      const closed = before.flatMap((b) => {
        const occ = circuitOccurrence(
          { from: b.state, to: "closed", reason: "postern reset" },
          plugin,
          b.command,
          now,
          null,
        );
        return b.state === "closed" || occ === null ? [] : [occ];
      });
      raiseAlerts(this.ctx, closed, alerts);
      return before;
    });
  }

  // --- pauses (docs/operations.md, postern pause) --------------------------------------------------

  private pausesTable: PausesTable | undefined;
  private get pauseRows(): PausesTable {
    this.pausesTable ??= new PausesTable(this.ctx.db);
    return this.pausesTable;
  }

  /** Pauses the plugin (command null) or one command; false when it was paused already. */
  pause(plugin: string, command: string | null): boolean {
    return writeTx(this.ctx, () => this.pauseRows.add(plugin, command, isoUtc(this.ctx.clock.now())));
  }

  /** Lifts the pause of one command, or every pause of the plugin (command null); returns them. */
  resume(plugin: string, command: string | null): PauseRow[] {
    return writeTx(this.ctx, () => this.pauseRows.remove(plugin, command));
  }

  /** Every pause, or the plugin's. */
  pauses(plugin?: string): PauseRow[] {
    return plugin === undefined ? this.pauseRows.all() : this.pauseRows.forPlugin(plugin);
  }

  /** Whether jobs of (plugin, command) are held by a pause. */
  isPaused(plugin: string, command: string): boolean {
    return this.pauseRows.covers(plugin, command);
  }

  /** The claim's exclusion keys of every pause (see claimNextReadyJob). */
  pauseKeys(): string[] {
    return this.pauseRows.keys();
  }

  // --- benchmarks ------------------------------------------------------------------------

  /**
   * `npm run bench` (scale): adds `count` succeeded jobs with their attempts in big
   * transactions, like years of history. Not for the daemon or the CLI.
   */
  fillHistoryForBenchmark(fill: HistoryFill): { inserted: number; batches: number } {
    return fillHistory(this.ctx, fill);
  }

  // --- facts for the CLI (daemon info, reload verdicts, init results) ---------------------

  getMeta<T>(key: string): T | null {
    return this.meta.get<T>(key);
  }

  putMeta(key: string, value: unknown): void {
    writeTx(this.ctx, () => this.meta.put(key, value));
  }

  /**
   * The listener's batched write of refused webhook deliveries (docs/webhooks.md): the recent lists
   * (meta rows) and postern.webhook.rejected counted since the last write, in one transaction.
   */
  recordWebhookRejections(
    meta: readonly (readonly [string, unknown])[],
    counted: readonly CountedOccurrences[],
    alerts: AlertSettings | null,
  ): RaisedAlerts {
    return writeTx(this.ctx, () => {
      for (const [key, value] of meta) this.meta.put(key, value);
      return alerts === null || counted.length === 0
        ? noAlerts()
        : raisePendingAlerts(this.ctx, counted, alerts);
    });
  }

  /** A meta row and the system events its change causes (an init result: unhealthy / healthy), together. */
  putMetaRaising(
    key: string,
    value: unknown,
    occurrences: readonly Occurrence[],
    alerts: AlertSettings,
  ): RaisedAlerts {
    return writeTx(this.ctx, () => {
      this.meta.put(key, value);
      return raiseAlerts(this.ctx, occurrences, alerts);
    });
  }
}
