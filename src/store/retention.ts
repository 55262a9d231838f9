/**
 * Retention (docs/scheduling.md): terminal jobs completed before the cutoff go, with their attempts and
 * events (ON DELETE CASCADE). Small batches, each its own transaction, so a large backlog
 * never holds the write lock long enough to stall a webhook's commit.
 */
import type { Database } from "better-sqlite3";
import { isoUtc } from "../core/clock.js";
import { type Prepared, prepareAll } from "./prepare.js";

export const RETENTION_SQL = {
  pruneBatch: `
    DELETE FROM jobs WHERE seq IN (
      -- Pinned: without ANALYZE statistics the planner prefers (status, seq) and sorts every
      -- terminal job, which grows with the table; this index only walks the expired ones.
      SELECT seq FROM jobs INDEXED BY jobs_terminal
      WHERE status IN ('succeeded','dead') AND completed_at < ?
      ORDER BY completed_at LIMIT ?)`,
} as const;

export class Retention {
  private readonly s: Prepared<typeof RETENTION_SQL>;

  constructor(private readonly db: Database) {
    this.s = prepareAll(db, RETENTION_SQL);
  }

  /**
   * Deletes terminal jobs completed before `olderThanMs` (an instant); returns how many. At most
   * `maxBatches` batches, so a caller on the event loop can yield between calls.
   */
  pruneTerminal(
    olderThanMs: number,
    batchSize: number,
    maxBatches = Number.POSITIVE_INFINITY,
  ): { deleted: number; batches: number } {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError("batchSize must be >= 1");
    const cutoff = isoUtc(olderThanMs);
    const batch = this.db.transaction(() => this.s.pruneBatch.run(cutoff, batchSize).changes);
    let deleted = 0;
    let batches = 0;
    for (;;) {
      const n = batch.immediate();
      batches += 1;
      deleted += n;
      if (n < batchSize || batches >= maxBatches) return { deleted, batches };
    }
  }
}
