/**
 * The serial dispatcher (docs/design.md, "The guarantees"; docs/jobs.md): one job at a time, oldest ready job first. It holds no
 * SQL and spawns nothing itself: it receives `claimNext`, `execute` and `nextReadyAt` as
 * functions, so it can be tested without a database or processes.
 *
 * Waking: in-process producers call `wake()` (no polling delay). A job enqueued by another
 * process is noticed by `externalChangeCheck` on a slow, unref'd timer; a job waiting for
 * its retry time is picked up by a one-shot timer armed for exactly that time.
 */
import { type Clock, MAX_TIMER_MS } from "../core/clock.js";

export interface DispatcherDeps<J> {
  clock: Clock;
  claimNext(nowMs: number): J | null;
  /**
   * Runs the job and commits its outcome. Must not throw for anything a plugin does. When
   * `mayClaimAhead()` is true at commit time it may claim the next job in the same commit and
   * return it: the dispatcher runs that one next instead of claiming.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: an executor that never claims ahead returns nothing
  execute(job: J, mayClaimAhead: () => boolean): Promise<J | null | undefined | void>;
  /**
   * A job claimed ahead that will not run now: back to the queue, no attempt spent. Required
   * when `execute` claims ahead.
   */
  release?(job: J): void;
  /** Earliest next_retry_at (ms) of a queued job that `claimNext` may take, or null. */
  nextReadyAt(): number | null;
  /** True when another process wrote to the database since the last call. */
  externalChangeCheck?(): boolean;
  externalCheckIntervalMs?: number;
  onError(error: unknown): void;
}

export class Dispatcher<J> {
  private running = false;
  private stopped = false;
  private pending = false;
  private current: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private externalTimer: NodeJS.Timeout | null = null;
  /** After the queue itself fails (disk full, database locked), wait before looking again. */
  private errorBackoffMs = 0;
  /** While > 0 nothing is claimed: an exclusive task (a reload's init) runs between jobs. */
  private paused = 0;
  private exclusiveTail: Promise<void> = Promise.resolve();
  private readonly mayClaimAhead = () => !this.stopped && this.paused === 0;
  /** The last armed timer was for a retry that was already due (see armRetryTimer). */
  private dueAtArm = false;

  constructor(private readonly deps: DispatcherDeps<J>) {}

  start(): void {
    const interval = this.deps.externalCheckIntervalMs ?? 500;
    if (this.deps.externalChangeCheck) {
      this.externalTimer = setInterval(() => {
        if (this.deps.externalChangeCheck?.()) this.wake();
      }, interval);
      this.externalTimer.unref();
    }
    this.wake();
  }

  /** Ask for a look at the queue. Cheap and idempotent; safe to call from any producer. */
  wake(): void {
    if (this.stopped || this.paused > 0) return;
    if (this.running) {
      this.pending = true;
      return;
    }
    this.running = true;
    const loop = this.loop();
    this.current = loop;
    void loop.finally(() => {
      if (this.current === loop) this.current = null;
    });
  }

  /** The job in flight, if any (for shutdown). */
  get busy(): boolean {
    return this.running;
  }

  /** Resolves once no job is in flight (tests and benchmarks wait on this, not on time). */
  async idle(): Promise<void> {
    while (this.current) await this.current;
  }

  /**
   * Runs `task` between jobs: waits for the job in flight, claims nothing while the task runs,
   * then resumes. Keeps "one thing at a time" true for work that is not a job (init at reload).
   */
  async exclusive<T>(task: () => Promise<T>): Promise<T> {
    this.paused += 1;
    // Exclusive tasks also run one after another (start's inits and a reload's never overlap).
    const previous = this.exclusiveTail;
    let release = () => {};
    this.exclusiveTail = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      await previous;
      await this.idle();
      return await task();
    } finally {
      release();
      this.paused -= 1;
      this.wake();
    }
  }

  /** Stops claiming at once (synchronously); the job in flight, if any, carries on. */
  halt(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.externalTimer) clearInterval(this.externalTimer);
  }

  /** Stops claiming; resolves when the job in flight (if any) has been committed. */
  async stop(): Promise<void> {
    this.halt();
    await this.idle();
  }

  private async loop(): Promise<void> {
    let ahead: J | null = null;
    do {
      this.pending = false;
      while (!this.stopped && this.paused === 0) {
        let job: J | null = ahead;
        ahead = null;
        if (job === null) {
          try {
            job = this.deps.claimNext(this.deps.clock.now());
            this.errorBackoffMs = 0;
          } catch (e) {
            this.deps.onError(e);
            this.errorBackoffMs = Math.min(Math.max(1000, this.errorBackoffMs * 2), 30_000);
            break;
          }
        }
        if (job === null) break;
        this.dueAtArm = false;
        try {
          ahead = (await this.deps.execute(job, this.mayClaimAhead)) ?? null;
        } catch (e) {
          this.deps.onError(e);
        }
      }
    } while (this.pending && !this.stopped);
    // Claimed ahead but not to run now (a stop, an exclusive task came first): queued again.
    if (ahead !== null) {
      try {
        this.deps.release?.(ahead);
      } catch (e) {
        this.deps.onError(e);
      }
    }
    // Cleared in the same synchronous step as the last look at the queue: a wake() arriving
    // after this starts a new loop, one arriving before it was seen by the do-while above.
    this.running = false;
    if (!this.stopped) this.armRetryTimer();
  }

  private armRetryTimer(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    let at: number | null;
    if (this.errorBackoffMs > 0) {
      at = this.deps.clock.now() + this.errorBackoffMs;
    } else {
      try {
        at = this.deps.nextReadyAt();
      } catch (e) {
        this.deps.onError(e);
        return;
      }
    }
    if (at === null) return;
    // Already due: it became due after the loop's last claim (a loaded machine can put time
    // between the two), so look again at once. Twice in a row means the claim will not take it
    // (the queue and this answer disagree): then once a second, never a tight loop.
    const untilDue = at - this.deps.clock.now();
    const overdue = untilDue <= 0;
    const delay = Math.min(overdue ? (this.dueAtArm ? 1000 : 0) : untilDue, MAX_TIMER_MS);
    this.dueAtArm = overdue;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.wake();
    }, delay);
    this.retryTimer.unref();
  }
}
