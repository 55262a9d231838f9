/** `postern queue`: what is waiting and what runs, oldest first (the dispatcher's order). */
import type { Command } from "commander";
import { readSource } from "../config-file.js";
import { withReadStore } from "../database.js";
import { jobsTable } from "../format/jobs.js";
import { printJson, printLine } from "../output.js";

export function registerQueue(program: Command): void {
  program
    .command("queue")
    .description("queued and running jobs, oldest first")
    .option("--json", "machine-readable output (array of jobs)")
    .action((opts: { json?: boolean }, cmd: Command) => {
      const config = readSource(cmd.optsWithGlobals());
      const jobs = withReadStore(
        config,
        () => [],
        (store) => store.listQueue(),
      );
      if (opts.json) printJson(jobs);
      else if (jobs.length === 0) printLine("queue is empty");
      else printLine(jobsTable(jobs, Date.now()));
    });
}
