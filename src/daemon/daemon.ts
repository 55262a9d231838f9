/**
 * The daemon's lifecycle (docs/daemon.md): config → lock (before the database is touched) →
 * database (WAL verified) → orphans recovered → listener bound, scheduler started → jobs of
 * removed/disabled plugins dead → dispatcher (the first claim comes after every check that can
 * refuse a start). Two-stage shutdown on SIGTERM/SIGINT: stop taking work, let the job in flight
 * finish within shutdown_grace, else kill it and re-queue it without consuming an attempt;
 * a second signal exits at once (the next start's recovery covers it).
 */
import { v7 as uuidv7 } from "uuid";
import { DAEMON_META_KEY, type DaemonMeta, RELOAD_META_KEY, type ReloadVerdict } from "../contracts/meta.js";
import { alertSettingsOf } from "../contracts/runtime.js";
import type { Service } from "../contracts/service.js";
import { type Clock, isoUtc, type Random, systemClock, systemRandom } from "../core/clock.js";
import { describe, formatProblem, PosternError } from "../core/errors.js";
import { Dispatcher } from "../dispatcher/dispatcher.js";
import { acquireInstanceLock, type InstanceLock, watchLockFile } from "../instance/lock.js";
import type { Logger, LogLevel } from "../log/logger.js";
import type { RunLimits } from "../runner/run.js";
import type { EnqueueInput, EnqueueResult } from "../store/index.js";
import { type ClaimedJob, openStore, type Store } from "../store/index.js";
import { VERSION } from "../version.js";
import { type ExecuteDeps, executeJob } from "./execute.js";
import { recordInternalFailure } from "./internal-failure.js";
import { publishLiveSet } from "./live.js";
import { PauseFollower } from "./pauses.js";
import { pendingInits, runInits } from "./plugin-init.js";
import { recoverOrphanedJobs } from "./recovery.js";
import { loadRuntime, loadRuntimeForReload, pluginUnavailableReason, type Runtime } from "./runtime.js";
import { createServices } from "./services.js";

export interface DaemonOptions {
  configFile: string;
  env: Record<string, string | undefined>;
  /** Called once the config's log_level is known. */
  createLog: (level: LogLevel) => Logger;
  clock?: Clock;
  random?: Random;
  runLimits?: Partial<RunLimits>;
  /** How often to look whether the lock file is still ours (default LOCK_RECHECK_MS). */
  lockRecheckMs?: number;
  /** How often to look for jobs enqueued by another process (the CLI). */
  externalCheckIntervalMs?: number;
}

export class Daemon {
  private readonly clock: Clock;
  private readonly random: Random;
  private baseLog!: Logger;
  private log!: Logger;
  private runtime!: Runtime;
  private lock: InstanceLock | null = null;
  private lockWatch: NodeJS.Timeout | null = null;
  private store: Store | null = null;
  private dispatcher: Dispatcher<ClaimedJob> | null = null;
  private readonly abortInFlight = new AbortController();
  private stopping: Promise<void> | null = null;
  private services: Service[] = [];
  /** Plugins whose last init failed (docs/operations.md, "init and health"): not scheduled, their queued jobs wait. */
  private unhealthy = new Set<string>();
  private reloading: Promise<void> | null = null;
  private reloadAgain = false;
  private reloadTimer: NodeJS.Timeout | null = null;
  /** The inits a start left pending, running between jobs (tests and stop wait on it). */
  private initsAfterStart: Promise<void> = Promise.resolve();
  private lastDataVersion = -1;
  private pauses!: PauseFollower;
  readonly startedAt: number;

  constructor(private readonly opts: DaemonOptions) {
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? systemRandom;
    this.startedAt = this.clock.now();
  }

  async start(): Promise<void> {
    this.runtime = loadRuntime(this.opts.configFile, this.opts.env);
    const { config } = this.runtime;
    this.baseLog = this.opts.createLog(config.service.log_level);
    this.log = this.baseLog.child({ component: "daemon" });
    this.logConfigWarnings(this.runtime);
    this.lock = acquireInstanceLock(config.service.state_dir);
    this.lockWatch = watchLockFile(this.lock, this.log, this.opts.lockRecheckMs);
    try {
      this.store = openStore(config.service.state_dir, { clock: this.clock });
    } catch (e) {
      clearInterval(this.lockWatch);
      this.lock.release();
      this.lock = null;
      throw e;
    }
    const store = this.store;
    // Recover first: an orphan of a removed plugin is then re-queued and killed below, without
    // spending an attempt on a plugin that cannot run.
    await recoverOrphanedJobs(store, this.clock.now(), this.log, alertSettingsOf(this.runtime, uuidv7));
    // Inits run once the daemon is up (between jobs, like after a reload), so /healthz and the
    // webhooks answer at once; until its init succeeds a plugin counts as unhealthy, so nothing
    // of it runs or is scheduled before it.
    const pending = pendingInits(store, this.runtime);
    this.unhealthy = new Set(pending);

    // Start order (docs/daemon.md): the listener binds first, the last check that can refuse a start;
    // no job is claimed (the dispatcher does not exist yet) and nothing but recovery has been
    // written until it has. A webhook accepted meanwhile is queued, and run once the dispatcher
    // starts below.
    this.services = createServices({
      store,
      clock: this.clock,
      random: this.random,
      log: this.baseLog,
      runtime: () => this.runtime,
      submit: (input) => this.submit(input),
      submitBatch: (inputs) => this.submitBatch(inputs),
      startedAt: this.startedAt,
      isHealthy: (plugin) => !this.unhealthy.has(plugin),
      wake: () => this.dispatcher?.wake(),
    });
    try {
      for (const service of this.services) await service.start();
    } catch (e) {
      await this.stop(`start failed: ${describe(e)}`);
      throw e;
    }
    this.killJobsOfUnavailablePlugins(store);
    store.putMeta(DAEMON_META_KEY, {
      pid: process.pid,
      started_at: isoUtc(this.startedAt),
      config_file: config.file,
      version: VERSION,
    } satisfies DaemonMeta);
    publishLiveSet(store, this.runtime, this.unhealthy, pending, this.clock.now());
    this.lastDataVersion = store.dataVersion();
    this.pauses = new PauseFollower(store, this.log);
    this.pauses.refresh();
    // Jobs the claim skips (they wait in place): unhealthy plugins, paused plugins and commands.
    const held = () => [...this.unhealthy, ...this.pauses.keys];

    const executeDeps: ExecuteDeps = {
      store,
      clock: this.clock,
      random: this.random,
      log: this.baseLog,
      env: this.opts.env,
      runLimits: this.opts.runLimits ?? {},
      newId: uuidv7,
      abort: this.abortInFlight.signal,
      runtime: () => this.runtime,
      nextClaim: () => ({ nowMs: this.clock.now(), excludePlugins: held() }),
    };
    this.dispatcher = new Dispatcher<ClaimedJob>({
      clock: this.clock,
      claimNext: (now) => store.claimNextReadyJob(now, { excludePlugins: held() }),
      execute: (job, mayClaimAhead) =>
        executeJob(executeDeps, job, mayClaimAhead).catch((e) => {
          recordInternalFailure(executeDeps, job, e);
          return null;
        }),
      release: (job) => {
        store.requeueWithoutAttempt(job.id);
      },
      nextReadyAt: () => store.nextRetryAt({ excludePlugins: held() }),
      externalChangeCheck: () => {
        const version = store.dataVersion();
        const changed = version !== this.lastDataVersion;
        this.lastDataVersion = version;
        if (changed && this.pauses.refresh()) this.followHealth();
        return changed;
      },
      externalCheckIntervalMs: this.opts.externalCheckIntervalMs ?? 500,
      onError: (e) => this.log.error({ err: describe(e) }, `dispatcher error: ${describe(e)}`),
    });
    this.dispatcher.start();
    const plugins = [...this.runtime.enabledPlugins].join(", ") || "none";
    const inits = pending.size > 0 ? `; init pending for ${[...pending].join(", ")}` : "";
    this.log.info(
      {
        pid: process.pid,
        config: config.file,
        state_dir: config.service.state_dir,
        plugins: [...this.runtime.enabledPlugins],
      },
      `${config.service.name} started (pid ${process.pid}); plugins: ${plugins}${inits}`,
    );
    if (pending.size > 0) {
      this.initsAfterStart = this.runPendingInits(this.runtime).catch((e) =>
        this.log.error({ err: describe(e) }, `plugin inits failed: ${describe(e)}`),
      );
    }
  }

  /** Inits between jobs, never beside one: one plugin process at a time. */
  private async runPendingInits(runtime: Runtime): Promise<void> {
    const unhealthy = await this.dispatcher!.exclusive(() => runInits(this.initDeps(), runtime));
    // A reload that came meanwhile decided its own inits; this result is stale then.
    if (this.runtime !== runtime || this.stopping) return;
    this.unhealthy = unhealthy;
    publishLiveSet(this.store!, runtime, unhealthy, new Set(), this.clock.now());
    this.dispatcher?.wake();
    for (const service of this.services) {
      try {
        await service.onHealthChange?.();
      } catch (e) {
        this.log.error(`${service.name} could not follow the inits: ${describe(e)}`);
      }
    }
  }

  /** The scheduler re-decides at once (a resumed plugin's due poll, a paused one's reason). */
  private followHealth(): void {
    for (const service of this.services) {
      // Inside the promise: a service that throws at once must not escape the dispatcher's timer.
      Promise.resolve()
        .then(() => service.onHealthChange?.())
        .catch((e) => this.log.error(`${service.name} could not follow a pause: ${describe(e)}`));
    }
  }

  /**
   * SIGHUP: several in quick succession cause one reload; one arriving during a reload causes
   * one more after it (the config may have changed again).
   */
  requestReload(): void {
    if (this.stopping) return;
    if (this.reloading) {
      this.reloadAgain = true;
      return;
    }
    if (this.reloadTimer) return;
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = null;
      this.reloading = this.reload()
        .catch((e) => this.log.error({ err: describe(e) }, `reload failed: ${describe(e)}`))
        .finally(() => {
          this.reloading = null;
          if (this.reloadAgain) {
            this.reloadAgain = false;
            this.requestReload();
          }
        });
    }, 100);
  }

  /**
   * Validate, then swap (docs/daemon.md). Invalid → the old config keeps running, untouched. Valid →
   * new work uses the new runtime; the job in flight keeps the snapshot it started with.
   */
  async reload(): Promise<void> {
    const store = this.store;
    if (!store) return;
    const previous = this.runtime;
    let next: Runtime;
    try {
      // A large config off the event loop: it takes seconds to parse, and /healthz and the
      // webhooks must keep answering meanwhile.
      next = await loadRuntimeForReload(this.opts.configFile, this.opts.env);
      // A stop that began while the config loaded wins: nothing is swapped into a stopping daemon.
      if (this.stopping) return;
      if (next.config.service.state_dir !== previous.config.service.state_dir) {
        throw new PosternError(
          "reload_rejected",
          `service.state_dir changed (${previous.config.service.state_dir} → ${next.config.service.state_dir}); that cannot be applied live: restart the daemon`,
        );
      }
    } catch (e) {
      const problems = e instanceof PosternError ? e.problems : [];
      const message = describe(e);
      this.log.error(
        { problems },
        `reload rejected, still running on the old config: ${message}${problems.map((p) => `\n  ${formatProblem(p)}`).join("")}`,
      );
      this.recordVerdict(store, { ok: false, message, errors: problems });
      return;
    }
    // Plugins whose init must run count as unhealthy until it succeeds: nothing of theirs runs
    // or is scheduled before their init.
    const pending = pendingInits(store, next);
    this.unhealthy = pending;
    this.runtime = next;
    publishLiveSet(store, next, pending, pending, this.clock.now());
    this.logConfigWarnings(next);
    this.killJobsOfUnavailablePlugins(store);
    for (const service of this.services) {
      try {
        await service.onRuntimeChange?.(previous, next);
      } catch (e) {
        this.log.error(`${service.name} could not apply the reload: ${describe(e)}`);
      }
    }
    const plugins = [...next.enabledPlugins].join(", ") || "none";
    const inits = pending.size > 0 ? `; init pending for ${[...pending].join(", ")}` : "";
    this.log.info({ plugins: [...next.enabledPlugins] }, `reload applied; plugins: ${plugins}${inits}`);
    this.recordVerdict(store, { ok: true, message: `reload applied${inits}`, errors: [] });
    // The job in flight (with its old snapshot) finishes first; the verdict above does not
    // wait for it.
    if (pending.size > 0) await this.runPendingInits(next);
    this.dispatcher?.wake();
  }

  /** What the config load found worth saying but not worth refusing (a world-readable secret file). */
  private logConfigWarnings(runtime: Runtime): void {
    for (const w of runtime.warnings ?? []) this.log.warn({ path: w.path }, formatProblem(w));
  }

  private recordVerdict(store: Store, verdict: Omit<ReloadVerdict, "seq" | "at" | "pid">): void {
    const last = store.getMeta<ReloadVerdict>(RELOAD_META_KEY);
    store.putMeta(RELOAD_META_KEY, {
      ...verdict,
      seq: (last?.seq ?? 0) + 1,
      at: isoUtc(this.clock.now()),
      pid: process.pid,
    } satisfies ReloadVerdict);
  }

  private initDeps() {
    return {
      store: this.store!,
      clock: this.clock,
      log: this.baseLog,
      env: this.opts.env,
      runLimits: this.opts.runLimits ?? {},
      stopping: () => this.stopping !== null,
    };
  }

  /** For in-process producers (webhooks, scheduler): enqueue and wake at once. */
  submit(input: EnqueueInput): EnqueueResult {
    if (!this.store) throw new PosternError("not_started", "daemon not started");
    const result = this.store.enqueueJob(input, { dedupeTtlMs: this.runtime.config.service.dedupe_ttl });
    if ("job" in result) this.dispatcher?.wake();
    return result;
  }

  /** The webhook group commit: every input in one transaction, then one wake. */
  submitBatch(inputs: EnqueueInput[]): EnqueueResult[] {
    if (!this.store) throw new PosternError("not_started", "daemon not started");
    const results = this.store.enqueueJobs(inputs, { dedupeTtlMs: this.runtime.config.service.dedupe_ttl });
    if (results.some((r) => "job" in r)) this.dispatcher?.wake();
    return results;
  }

  /** Resolves once the dispatcher has nothing in flight. */
  idle(): Promise<void> {
    return this.dispatcher?.idle() ?? Promise.resolve();
  }

  get config() {
    return this.runtime.config;
  }

  /**
   * First call: stop taking work and wait for the job in flight up to shutdown_grace, then
   * kill it (it is re-queued without consuming an attempt). Resolves when everything is closed.
   */
  stop(reason: string): Promise<void> {
    if (this.stopping) return this.stopping;
    const grace = this.runtime.config.service.shutdown_grace;
    this.log.info(`stopping (${reason}); the job in flight may finish within ${grace} ms`);
    this.stopping = (async () => {
      const timer = setTimeout(() => {
        this.log.warn(`shutdown_grace of ${grace} ms ran out: killing the job in flight`);
        this.abortInFlight.abort();
      }, grace);
      if (this.reloadTimer) clearTimeout(this.reloadTimer);
      // No new claims from this moment, not even when an init in progress ends.
      this.dispatcher?.halt();
      // A reload or inits in progress finish first (an init is one bounded plugin run,
      // timeouts.init; the ones not started yet are skipped): the store must outlive them.
      await this.reloading?.catch(() => {});
      await this.initsAfterStart;
      try {
        // Then the producers (listener, scheduler) stop, so nothing new arrives; then the job
        // in flight gets the rest of the grace.
        for (const service of this.services) {
          try {
            await service.stop();
          } catch (e) {
            this.log.error(`stopping ${service.name} failed: ${describe(e)}`);
          }
        }
        await this.dispatcher?.stop();
      } finally {
        clearTimeout(timer);
        if (this.lockWatch) clearInterval(this.lockWatch);
        this.store?.close();
        this.lock?.release();
        this.log.info("stopped");
      }
    })();
    return this.stopping;
  }

  private killJobsOfUnavailablePlugins(store: Store): void {
    const reasons = new Map<string, string>();
    for (const job of store.listQueue()) {
      if (job.status !== "queued" || reasons.has(job.plugin)) continue;
      const reason = pluginUnavailableReason(this.runtime, job.plugin);
      if (reason !== null) reasons.set(job.plugin, reason);
    }
    if (reasons.size === 0) return;
    for (const killed of store.markDeadForPlugins(reasons)) {
      this.log.warn(
        { plugin: killed.plugin, job_id: killed.id },
        `queued job ${killed.id} is dead: ${killed.reason}`,
      );
    }
  }
}
