/**
 * `postern pause`/`resume` (docs/operations.md) are written by the CLI, another process. The daemon
 * re-reads the pauses when its external-change check sees another connection's commit
 * (`PRAGMA data_version`, every 500 ms), so a pause applies within a second, without a reload.
 * The claim then skips the paused jobs by their exclusion keys (store/pauses.ts).
 */
import type { Logger } from "../log/logger.js";
import type { Store } from "../store/index.js";

export class PauseFollower {
  private current: string[] = [];

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
  ) {}

  /** The claim's exclusion keys of the paused plugins and commands. */
  get keys(): readonly string[] {
    return this.current;
  }

  /** Re-reads the pauses; true when they changed (each change is logged). */
  refresh(): boolean {
    const next = this.store.pauseKeys().sort();
    const before = new Set(this.current);
    const after = new Set(next);
    const paused = next.filter((k) => !before.has(k));
    const resumed = this.current.filter((k) => !after.has(k));
    this.current = next;
    for (const key of paused) this.log.info({ ...fields(key), paused: true }, `paused: ${key}`);
    for (const key of resumed) this.log.info({ ...fields(key), paused: false }, `resumed: ${key}`);
    return paused.length > 0 || resumed.length > 0;
  }
}

function fields(key: string): { plugin: string; command?: string } {
  const [plugin = key, command] = key.split(" ");
  return command === undefined ? { plugin } : { plugin, command };
}
