/** `postern jobs list|show|retry|cancel`: the job history and the operator's two repairs. */
import type { Command } from "commander";
import type { JobStatus } from "../../store/index.js";
import { readSource } from "../config-file.js";
import { withReadStore } from "../database.js";
import { jobsTable } from "../format/jobs.js";
import { printJson, printLine } from "../output.js";
import { positiveInt, usageError } from "./args.js";
import { registerJobsShow } from "./jobs-show.js";
import { registerJobsWrite } from "./jobs-write.js";

const JOB_STATUSES: readonly JobStatus[] = ["queued", "running", "succeeded", "dead"];

export function registerJobs(program: Command): void {
  const jobs = program.command("jobs").description("list, inspect, retry and cancel jobs");
  registerJobsList(jobs);
  registerJobsShow(jobs);
  registerJobsWrite(jobs);
}

interface ListOptions {
  plugin?: string;
  status?: string;
  limit: string;
  json?: boolean;
}

function registerJobsList(jobs: Command): void {
  jobs
    .command("list")
    .description("jobs, newest first")
    .option("--plugin <name>", "only this plugin's jobs")
    .option("--status <status>", `only jobs in this status: ${JOB_STATUSES.join(", ")}`)
    .option("--limit <n>", "at most this many jobs", "50")
    .option("--json", "machine-readable output (array of jobs)")
    .action((opts: ListOptions, cmd: Command) => {
      const status = jobStatus(opts.status);
      const limit = positiveInt("--limit", opts.limit);
      const config = readSource(cmd.optsWithGlobals());
      const list = withReadStore(
        config,
        () => [],
        (store) => store.listJobs({ plugin: opts.plugin, status, limit }),
      );
      if (opts.json) printJson(list);
      else if (list.length === 0) printLine(`no jobs${filters(opts)}`);
      else printLine(jobsTable(list, Date.now()));
    });
}

function jobStatus(text: string | undefined): JobStatus | undefined {
  if (text === undefined) return undefined;
  if ((JOB_STATUSES as readonly string[]).includes(text)) return text as JobStatus;
  const hint =
    text === "failed" || text === "timed_out"
      ? ` (${text} is the status of an attempt: a job whose attempt failed is queued for a retry, or dead)`
      : "";
  throw usageError(`--status must be one of ${JOB_STATUSES.join(", ")}, got "${text}"${hint}`);
}

function filters(opts: ListOptions): string {
  const parts = [
    ...(opts.plugin === undefined ? [] : [`plugin ${opts.plugin}`]),
    ...(opts.status === undefined ? [] : [`status ${opts.status}`]),
  ];
  return parts.length === 0 ? "" : ` (${parts.join(", ")})`;
}
