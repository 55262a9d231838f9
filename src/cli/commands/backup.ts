/**
 * `postern backup FILE [--force] [--json]` (docs/operations.md): an online, consistent copy of the
 * database, safe while the daemon runs, checked with `integrity_check` before it is reported.
 * Restoring: docs/operations.md, Backing up and restoring.
 */
import type { Command } from "commander";
import { systemClock } from "../../core/clock.js";
import { PosternError } from "../../core/errors.js";
import { openStore } from "../../store/index.js";
import { requireConfig } from "../config-file.js";
import { databaseFile, hasDatabase } from "../database.js";
import { printJson, printLine } from "../output.js";

export function registerBackup(program: Command): void {
  program
    .command("backup")
    .description("write a consistent copy of the database to FILE while the daemon runs, then verify it")
    .argument("<file>", "where to write the copy (its directory must exist)")
    .option("--force", "overwrite FILE if it exists")
    .option("--json", "print the result as JSON")
    .action((file: string, opts: { force?: boolean; json?: boolean }, cmd: Command) => {
      const config = requireConfig(cmd.optsWithGlobals());
      if (!hasDatabase(config)) {
        throw new PosternError(
          "db_missing",
          `no database at ${databaseFile(config)} yet: nothing to back up`,
        );
      }
      // Read-only: a backup takes one read transaction and never writes to the live database.
      const store = openStore(config.service.state_dir, { clock: systemClock, readonly: true });
      let result: ReturnType<typeof store.backupTo>;
      try {
        result = store.backupTo(file, { force: opts.force === true });
      } finally {
        store.close();
      }
      if (opts.json) {
        printJson({ ...result, duration_ms: Math.round(result.duration_ms) });
        return;
      }
      printLine(
        `backup written to ${result.file}: ${formatBytes(result.bytes)} in ${(result.duration_ms / 1000).toFixed(2)} s, ` +
          `${result.jobs} jobs, integrity_check ok`,
      );
    });
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}
