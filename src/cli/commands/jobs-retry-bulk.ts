/**
 * `postern jobs retry --status dead [--plugin P] [--since 2h|ISO] [--dry-run] [--all]` (docs/operations.md):
 * after an outage, retry every job that died in one command and one transaction. A filter
 * that limits it (--plugin or --since) is required unless --all says "every dead job".
 */
import type { Command } from "commander";
import type { Config } from "../../config/types.js";
import { parseDuration } from "../../core/units.js";
import { runningDaemonPid } from "../../instance/lock.js";
import type { BulkRetryItem } from "../../store/index.js";
import { requireConfig } from "../config-file.js";
import { hasDatabase, withWriteStore } from "../database.js";
import { printJson, printLine } from "../output.js";
import { usageError } from "./args.js";

export interface BulkRetryOptions {
  status?: string;
  plugin?: string;
  since?: string;
  dryRun?: boolean;
  all?: boolean;
  json?: boolean;
}

export const SINCE_FORMS =
  "a duration back from now (30m, 2h, 1d, 1h30m) or an ISO 8601 time (2026-03-10T08:00:00Z, 2026-03-10)";

/** --since as an instant (epoch ms), or a usage error naming the accepted forms. */
export function parseSince(text: string, nowMs: number): number {
  const ago = parseDuration(text.trim());
  if (ago !== null) return nowMs - ago;
  const iso = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
  const at = iso.test(text.trim()) ? Date.parse(text.trim()) : Number.NaN;
  if (Number.isNaN(at)) throw usageError(`--since "${text}" is not understood; use ${SINCE_FORMS}`);
  return at;
}

export function bulkRetry(opts: BulkRetryOptions, cmd: Command): void {
  if (opts.status !== "dead") {
    throw usageError(
      opts.status === undefined
        ? "jobs retry needs a job id, or --status dead to retry dead jobs in bulk"
        : `--status must be dead (only dead jobs can be retried), got "${opts.status}"`,
    );
  }
  const now = Date.now();
  const sinceMs = opts.since === undefined ? undefined : parseSince(opts.since, now);
  if (opts.plugin === undefined && sinceMs === undefined && !opts.all) {
    throw usageError(
      "refusing to retry every dead job without a filter: add --plugin NAME and/or --since 2h (or --all to mean all of them)",
    );
  }
  const config = requireConfig(cmd.optsWithGlobals());
  const dryRun = opts.dryRun === true;
  const items = hasDatabase(config)
    ? withWriteStore(config, (store) =>
        store.retryDeadJobs(
          {
            ...(opts.plugin === undefined ? {} : { plugin: opts.plugin }),
            ...(sinceMs === undefined ? {} : { sinceMs }),
          },
          { dryRun, admit: (plugin) => admit(config, plugin) },
        ),
      )
    : [];
  const retried = items.filter((i) => i.skipped === null);
  const skipped = items.filter((i) => i.skipped !== null);
  if (opts.json) {
    printJson({
      dry_run: dryRun,
      count: retried.length,
      retried: retried.map(({ dead_job_id, job_id, plugin, command }) => ({
        dead_job_id,
        job_id,
        plugin,
        command,
      })),
      skipped: skipped.map(({ dead_job_id, plugin, command, skipped: reason }) => ({
        dead_job_id,
        plugin,
        command,
        reason,
      })),
    });
  } else {
    printLine(human(retried, skipped, dryRun, opts));
  }
  if (!dryRun && retried.length > 0 && runningDaemonPid(config.service.state_dir) === null) {
    process.stderr.write("warning: no postern daemon is running; the retries run when the daemon starts\n");
  }
}

function admit(config: Config, plugin: string): number | string {
  const pc = config.plugins[plugin];
  if (pc === undefined) return `plugin ${plugin} is no longer in ${config.file}`;
  if (!pc.enabled) return `plugin ${plugin} is disabled`;
  // The current retry budget: the operator may have raised it to get past what killed the jobs.
  return pc.retry.max_attempts;
}

function human(
  retried: BulkRetryItem[],
  skipped: BulkRetryItem[],
  dryRun: boolean,
  opts: BulkRetryOptions,
): string {
  const filter = [
    ...(opts.plugin === undefined ? [] : [`plugin ${opts.plugin}`]),
    ...(opts.since === undefined ? [] : [`since ${opts.since}`]),
  ].join(", ");
  const scope = filter === "" ? "" : ` (${filter})`;
  const lines: string[] = [];
  if (retried.length === 0) lines.push(`no dead jobs to retry${scope}`);
  else if (dryRun) {
    lines.push(
      `would retry ${retried.length} dead job${retried.length === 1 ? "" : "s"}${scope} (dry run: nothing changed):`,
    );
    for (const i of retried) lines.push(`  ${i.dead_job_id}  ${i.plugin} ${i.command}`);
  } else {
    lines.push(`retried ${retried.length} dead job${retried.length === 1 ? "" : "s"}${scope}:`);
    for (const i of retried) lines.push(`  ${i.dead_job_id} -> ${i.job_id}  ${i.plugin} ${i.command}`);
  }
  if (skipped.length > 0) {
    lines.push(`skipped ${skipped.length}:`);
    for (const i of skipped) lines.push(`  ${i.dead_job_id}  ${i.plugin} ${i.command}: ${i.skipped}`);
  }
  return lines.join("\n");
}
