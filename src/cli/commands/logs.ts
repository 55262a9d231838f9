/**
 * `postern logs [PLUGIN] [-f]`: recent attempts' logs and stderr, read from the database (the
 * daemon's own log is on its stdout). `-f` keeps printing attempts as they are committed.
 */
import type { Command } from "commander";
import { systemClock } from "../../core/clock.js";
import { PosternError } from "../../core/errors.js";
import { type AttemptLogEntry, openStore, type Store } from "../../store/index.js";
import { readSource } from "../config-file.js";
import { type HasStateDir, hasDatabase, withReadStore } from "../database.js";
import { logBlock } from "../format/logs.js";
import { printJson, printLine } from "../output.js";
import { positiveInt } from "./args.js";
import { pollUntil } from "./follow.js";

interface LogsOptions {
  follow?: boolean;
  limit: string;
  json?: boolean;
}

const FOLLOW_INTERVAL_MS = 250;
/** Per read while following: a burst larger than this is printed over several reads. */
const FOLLOW_BATCH = 500;

export function registerLogs(program: Command): void {
  program
    .command("logs")
    .description("recent attempts' logs and stderr from the database, oldest first")
    .argument("[plugin]", "only this plugin's attempts")
    .option("-f, --follow", "keep printing new attempts until interrupted")
    .option("--limit <n>", "how many recent attempts to show first", "20")
    .option("--json", "machine-readable output (with -f: one JSON object per line)")
    .action(async (plugin: string | undefined, opts: LogsOptions, cmd: Command) => {
      const limit = positiveInt("--limit", opts.limit);
      const config = readSource(cmd.optsWithGlobals());
      const printer = new Printer(opts, plugin);
      if (!opts.follow) {
        withReadStore(
          config,
          () => undefined,
          (store) => printer.add(store, store.recentAttempts({ plugin, limit })),
        );
        printer.flush();
        return;
      }
      await follow(config, plugin, limit, printer);
    });
}

async function follow(
  config: HasStateDir,
  plugin: string | undefined,
  limit: number,
  printer: Printer,
): Promise<void> {
  let store: Store | null = null;
  let cursor: number | null = null;
  try {
    await pollUntil(FOLLOW_INTERVAL_MS, () => {
      store ??= tryOpen(config);
      if (store === null) return false;
      const batch =
        cursor === null
          ? store.recentAttempts({ plugin, limit })
          : store.recentAttempts({ plugin, sinceSeq: cursor, limit: FOLLOW_BATCH });
      cursor = batch.at(-1)?.seq ?? cursor ?? 0;
      printer.add(store, batch);
      return false;
    });
  } finally {
    (store as Store | null)?.close();
  }
}

/** Following starts before the daemon ever ran: wait for the database instead of failing. */
function tryOpen(config: HasStateDir): Store | null {
  if (!hasDatabase(config)) return null;
  try {
    return openStore(config.service.state_dir, { clock: systemClock, readonly: true });
  } catch (e) {
    // Still being created or migrated by the daemon starting beside us: try again next tick.
    if (e instanceof PosternError && (e.code === "db_needs_migration" || e.code === "db_missing"))
      return null;
    throw e;
  }
}

/** Prints blocks as they come (follow) or all at once (one JSON array, or "nothing yet"). */
class Printer {
  private readonly maxAttempts = new Map<string, number | null>();
  private readonly collected: AttemptLogEntry[] = [];
  private printed = 0;

  constructor(
    private readonly opts: LogsOptions,
    private readonly plugin: string | undefined,
  ) {}

  add(store: Store, entries: readonly AttemptLogEntry[]): void {
    for (const entry of entries) {
      if (this.opts.json && !this.opts.follow) this.collected.push(entry);
      else if (this.opts.json) printLine(JSON.stringify(entry));
      else {
        if (this.printed > 0) printLine();
        printLine(logBlock(entry, this.max(store, entry.job_id)));
      }
      this.printed += 1;
    }
  }

  flush(): void {
    if (this.opts.json) printJson(this.collected);
    else if (this.printed === 0) {
      printLine(`no attempts recorded yet${this.plugin === undefined ? "" : ` for ${this.plugin}`}`);
    }
  }

  private max(store: Store, jobId: string): number | null {
    if (!this.maxAttempts.has(jobId)) this.maxAttempts.set(jobId, store.getJob(jobId)?.max_attempts ?? null);
    return this.maxAttempts.get(jobId) ?? null;
  }
}
