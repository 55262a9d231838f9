/**
 * Keeping the database file bounded (docs/operations.md; docs/operations.md, A bounded file). After each
 * retention prune the freed pages go back to the file system in small `incremental_vacuum`
 * steps, within a time budget per tick and yielding to the event loop between steps; when no
 * job is queued or running the WAL is checkpointed and truncated. Both are bounded so that a
 * webhook's commit or the next claim never waits long behind them (docs/performance.md).
 */
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { toError } from "../core/errors.js";
import type { Logger } from "../log/logger.js";
import type { Store } from "../store/index.js";

export interface SpaceOptions {
  /** Pages per incremental_vacuum step (4 KB pages: 64 is 256 KB; one step measured ~8 ms under load). */
  stepPages?: number;
  /** Stop reclaiming in this tick once this much time went into it (the rest: next tick). */
  budgetMs?: number;
  /** At most one idle checkpoint this often. */
  checkpointEveryMs?: number;
  /** An existing file up to this size is switched to incremental auto-vacuum at start. */
  convertMaxBytes?: number;
}

export interface SpaceStats {
  vacuum_steps: number;
  vacuum_pages: number;
  vacuum_step_max_ms: number;
  vacuum_step_total_ms: number;
  checkpoints: number;
  checkpoint_max_ms: number;
  checkpoint_total_ms: number;
}

export class SpaceKeeper {
  readonly stats: SpaceStats = {
    vacuum_steps: 0,
    vacuum_pages: 0,
    vacuum_step_max_ms: 0,
    vacuum_step_total_ms: 0,
    checkpoints: 0,
    checkpoint_max_ms: 0,
    checkpoint_total_ms: 0,
  };
  private lastCheckpointAt = Number.NEGATIVE_INFINITY;
  private readonly stepPages: number;
  private readonly budgetMs: number;
  private readonly checkpointEveryMs: number;
  private readonly convertMaxBytes: number;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    opts: SpaceOptions = {},
  ) {
    this.stepPages = opts.stepPages ?? 64;
    this.budgetMs = opts.budgetMs ?? 20;
    this.checkpointEveryMs = opts.checkpointEveryMs ?? 30_000;
    this.convertMaxBytes = opts.convertMaxBytes ?? 64 * 1024 * 1024;
  }

  /**
   * At start: a database made before incremental auto-vacuum is converted by one VACUUM when it
   * is small (well under a second); a larger one is left as it is, with a warning naming the
   * command that converts it (`postern doctor --fix`, daemon stopped).
   */
  convertAtStart(): void {
    try {
      const space = this.store.fileSpace();
      if (space.auto_vacuum === "incremental") return;
      if (space.db_bytes > this.convertMaxBytes) {
        this.log.warn(
          { db_bytes: space.db_bytes },
          `the database (${mb(space.db_bytes)}) does not reclaim pruned space (auto_vacuum ${space.auto_vacuum}); ` +
            "converting it rewrites the whole file: stop the daemon and run `postern doctor --fix` (docs/operations.md, A bounded file)",
        );
        return;
      }
      const t0 = performance.now();
      this.store.convertToIncrementalVacuum();
      const after = this.store.fileSpace();
      this.log.info(
        { ms: Math.round(performance.now() - t0), before_bytes: space.db_bytes, after_bytes: after.db_bytes },
        `database switched to incremental auto-vacuum in ${Math.round(performance.now() - t0)} ms (${mb(space.db_bytes)} → ${mb(after.db_bytes)})`,
      );
    } catch (e) {
      this.log.warn(`could not switch the database to incremental auto-vacuum: ${toError(e).message}`);
    }
  }

  /** Reclaims free pages within the budget, yielding between steps; returns pages freed. */
  async reclaim(stopped: () => boolean = () => false): Promise<number> {
    let freed = 0;
    const t0 = performance.now();
    while (!stopped() && performance.now() - t0 < this.budgetMs) {
      const space = this.store.fileSpace();
      if (space.auto_vacuum !== "incremental" || space.freelist_count === 0) break;
      const s0 = performance.now();
      const n = this.store.reclaimFreePages(this.stepPages);
      const ms = performance.now() - s0;
      this.stats.vacuum_steps += 1;
      this.stats.vacuum_pages += n;
      this.stats.vacuum_step_max_ms = Math.max(this.stats.vacuum_step_max_ms, ms);
      this.stats.vacuum_step_total_ms += ms;
      freed += n;
      if (n === 0) break;
      await yieldToLoop();
    }
    if (freed > 0) {
      this.log.debug(
        { pages: freed, ms: Math.round(performance.now() - t0) },
        `reclaimed ${freed} free pages`,
      );
    }
    return freed;
  }

  /** When nothing is queued or running: checkpoint and truncate the WAL (at most every checkpointEveryMs). */
  checkpointIfIdle(nowMs: number): boolean {
    if (nowMs - this.lastCheckpointAt < this.checkpointEveryMs) return false;
    if (this.store.fileSpace().wal_bytes === 0 || this.store.hasOutstandingJobs()) return false;
    const t0 = performance.now();
    const r = this.store.checkpointTruncate();
    const ms = performance.now() - t0;
    this.lastCheckpointAt = nowMs;
    this.stats.checkpoints += 1;
    this.stats.checkpoint_max_ms = Math.max(this.stats.checkpoint_max_ms, ms);
    this.stats.checkpoint_total_ms += ms;
    this.log.debug(
      { done: r.done, wal_pages: r.wal_pages, ms: Math.round(ms * 10) / 10 },
      "idle WAL checkpoint",
    );
    return r.done;
  }
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
