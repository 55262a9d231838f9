/** `postern jobs show ID`: one job with its attempts, events, downstream jobs and lineage. */
import type { Command } from "commander";
import type { Job } from "../../store/index.js";
import { readSource } from "../config-file.js";
import { withReadStore } from "../database.js";
import { renderJobDetail } from "../format/job-detail.js";
import { findJob, jobIdArg } from "../job-id.js";
import { printJson, printLine } from "../output.js";
import { noSuchJob } from "./args.js";

export function registerJobsShow(jobs: Command): void {
  jobs
    .command("show")
    .description("one job: fields, every attempt, events emitted and the jobs they became, parent chain")
    .argument(
      "<id>",
      "job id, or a unique prefix of at least 8 characters (as `jobs list` and `queue` print it)",
    )
    .option("--json", "machine-readable output")
    .action((arg: string, opts: { json?: boolean }, cmd: Command) => {
      const id = jobIdArg(arg);
      const config = readSource(cmd.optsWithGlobals());
      const found = withReadStore(
        config,
        () => null,
        (store) => {
          const detail = store.jobDetail(findJob(store, id).id);
          if (detail === null) return null;
          // The jobs its events became (or were duplicates of), for their current status.
          const related = new Map<string, Job | null>();
          for (const route of detail.events.flatMap((ev) => ev.routes)) {
            for (const other of [route.job_id, route.duplicate_of]) {
              if (other !== null && !related.has(other)) related.set(other, store.getJob(other));
            }
          }
          return { detail, related };
        },
      );
      if (found === null) throw noSuchJob(id);
      if (opts.json) printJson(found.detail);
      else printLine(renderJobDetail(found.detail, (other) => found.related.get(other) ?? null, Date.now()));
    });
}
