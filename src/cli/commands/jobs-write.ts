/**
 * `jobs retry` and `jobs cancel`: the operator's repairs. Both write, so they open the store
 * read-write, but never create a database just to say that a job does not exist.
 */
import type { Command } from "commander";
import type { Config } from "../../config/types.js";
import { PosternError } from "../../core/errors.js";
import { runningDaemonPid } from "../../instance/lock.js";
import type { Job, Store } from "../../store/index.js";
import { requireConfig } from "../config-file.js";
import { hasDatabase, withWriteStore } from "../database.js";
import { findJob, jobIdArg } from "../job-id.js";
import { printJson, printLine } from "../output.js";
import { noSuchJob, usageError } from "./args.js";
import { type BulkRetryOptions, bulkRetry } from "./jobs-retry-bulk.js";

export function registerJobsWrite(jobs: Command): void {
  jobs
    .command("retry")
    .description("re-enqueue a dead job as a new job (submitted_by: cli, parent_job_id: the dead one)")
    .argument(
      "[id]",
      "id of a dead job (or a unique prefix of at least 8 characters); or --status dead and filters, for many",
    )
    .option("--json", "print the new job object")
    .option("--status <status>", "bulk: dead, every dead job matching the filters")
    .option("--plugin <name>", "bulk: only this plugin's dead jobs")
    .option("--since <2h|ISO>", "bulk: only jobs that died since then")
    .option("--dry-run", "bulk: print what would be retried, change nothing")
    .option("--all", "bulk: no limiting filter, every dead job")
    .action((arg: string | undefined, opts: BulkRetryOptions, cmd: Command) => {
      if (arg === undefined) return bulkRetry(opts, cmd);
      if (opts.status || opts.plugin || opts.since || opts.dryRun || opts.all) {
        throw usageError("give either a job id or --status dead with filters, not both");
      }
      const id = jobIdArg(arg);
      const config = requireConfig(cmd.optsWithGlobals());
      const job = onJob(config, id, (store, dead) => retry(config, store, dead));
      if (opts.json) printJson(job);
      else printLine(job.id);
      process.stderr.write(`job ${job.id} queued as a retry of dead job ${job.parent_job_id ?? id}\n`);
      if (runningDaemonPid(config.service.state_dir) === null) {
        process.stderr.write(`warning: no postern daemon is running; it will run when the daemon starts\n`);
      }
    });

  jobs
    .command("cancel")
    .description('a queued job becomes dead ("cancelled by operator"); running or finished jobs are refused')
    .argument("<id>", "id of a queued job (or a unique prefix of at least 8 characters)")
    .option("--json", "print the cancelled job object")
    .action((arg: string, opts: { json?: boolean }, cmd: Command) => {
      const id = jobIdArg(arg);
      const config = requireConfig(cmd.optsWithGlobals());
      const job = onJob(config, id, (store, queued) => store.cancelJob(queued.id));
      if (opts.json) printJson(job);
      else printLine(`cancelled job ${job.id}: now dead (${job.last_error})`);
    });
}

function onJob(config: Config, id: string, fn: (store: Store, job: Job) => Job): Job {
  if (!hasDatabase(config)) throw noSuchJob(id);
  return withWriteStore(config, (store) => {
    return fn(store, findJob(store, id));
  });
}

/** A retry the daemon would kill at once ("plugin removed/disabled") is refused here instead. */
function retry(config: Config, store: Store, dead: Job): Job {
  if (dead.status !== "dead") {
    throw new PosternError(
      "job_not_dead",
      `job ${dead.id} is ${dead.status}; only a dead job can be retried`,
    );
  }
  const plugin = config.plugins[dead.plugin];
  if (plugin === undefined) {
    throw new PosternError(
      "plugin_unknown",
      `plugin ${dead.plugin} is no longer in ${config.file}; a retry could not run`,
    );
  }
  if (!plugin.enabled) {
    throw new PosternError(
      "plugin_disabled",
      `plugin ${dead.plugin} is disabled; enable it before retrying its jobs`,
    );
  }
  // The current retry budget: the operator may have raised it to get past what killed the job.
  return store.retryDeadJob(dead.id, { maxAttempts: plugin.retry.max_attempts });
}
