/**
 * Group commit for webhook ingress (docs/performance.md, "Group commit"): requests that arrive while
 * a commit is in flight share the next one, and each is answered only after the commit that holds
 * it. The first request at idle commits at once: no timer, no linger.
 *
 * With a synchronous commit (better-sqlite3) nothing else runs during the fsync, so "in flight"
 * lasts until the event loop's next check phase: requests the loop reads meanwhile (they arrived
 * during the fsync) queue, and commit together there. When a check phase finds nothing queued the
 * committer is idle again. An asynchronous commit works the same way: later requests wait for it.
 */

export interface GroupCommitDeps<I, R> {
  /**
   * Commits every item in one transaction; results in item order. A throw (or rejection) means
   * nothing of the batch was committed: every item of it is rejected with that error.
   */
  commit: (items: I[]) => R[] | Promise<R[]>;
  /** Runs `fn` after the I/O the event loop has ready (setImmediate); injected for tests. */
  schedule: (fn: () => void) => void;
  /** At most this many items per commit. */
  maxCount: number;
  /** At most this many bytes per commit (an item larger than this still commits, alone). */
  maxBytes: number;
}

interface Waiting<I, R> {
  item: I;
  bytes: number;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

export class GroupCommit<I, R> {
  private queue: Waiting<I, R>[] = [];
  private busy = false;

  constructor(private readonly deps: GroupCommitDeps<I, R>) {
    if (!(deps.maxCount >= 1))
      throw new RangeError(`group commit maxCount must be >= 1, got ${deps.maxCount}`);
    if (!(deps.maxBytes >= 1))
      throw new RangeError(`group commit maxBytes must be >= 1, got ${deps.maxBytes}`);
  }

  /** Resolves with the item's result once the commit holding it is done. */
  submit(item: I, bytes: number): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, bytes, resolve, reject });
      if (!this.busy) this.commitNext();
    });
  }

  /** Items waiting for a commit (not counting the one in flight). */
  get pending(): number {
    return this.queue.length;
  }

  private commitNext(): void {
    this.busy = true;
    const batch = this.takeBatch();
    let outcome: R[] | Promise<R[]>;
    try {
      outcome = this.deps.commit(batch.map((w) => w.item));
    } catch (e) {
      this.settle(batch, null, e);
      return;
    }
    if (outcome instanceof Promise) {
      outcome.then(
        (results) => this.settle(batch, results, null),
        (e) => this.settle(batch, null, e),
      );
    } else {
      this.settle(batch, outcome, null);
    }
  }

  private takeBatch(): Waiting<I, R>[] {
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && n < this.deps.maxCount) {
      const next = (this.queue[n] as Waiting<I, R>).bytes;
      if (n > 0 && bytes + next > this.deps.maxBytes) break;
      bytes += next;
      n += 1;
    }
    return this.queue.splice(0, n);
  }

  private settle(batch: Waiting<I, R>[], results: R[] | null, error: unknown): void {
    if (results !== null && results.length !== batch.length) {
      error = new Error(`group commit: ${results.length} results for a batch of ${batch.length}`);
      results = null;
    }
    for (let i = 0; i < batch.length; i++) {
      const w = batch[i] as Waiting<I, R>;
      if (results === null) w.reject(error);
      else w.resolve(results[i] as R);
    }
    // Still busy until the loop has read what arrived meanwhile: that is the next batch.
    this.deps.schedule(() => {
      if (this.queue.length > 0) this.commitNext();
      else this.busy = false;
    });
  }
}
