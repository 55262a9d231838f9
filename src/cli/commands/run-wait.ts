/** `run --wait`: follow one job by re-reading the database until it is succeeded or dead. */
import type { Config } from "../../config/types.js";
import { systemClock } from "../../core/clock.js";
import { PosternError } from "../../core/errors.js";
import { circuitsView } from "../../scheduler/index.js";
import { resetCommand } from "../../status/model.js";
import { type Job, openStore } from "../../store/index.js";
import { relative } from "../format/time.js";
import { pollUntil } from "./follow.js";

const WAIT_INTERVAL_MS = 100;

export interface WaitResult {
  job: Job;
  /** A signal stopped the wait before the job reached a terminal status. */
  interrupted: boolean;
}

/** `progress`: narrate status changes on stderr (human mode; stdout stays the verdict). */
export async function waitForJob(config: Config, id: string, progress: boolean): Promise<WaitResult> {
  const store = openStore(config.service.state_dir, { clock: systemClock, readonly: true });
  const read = (): Job => {
    const job = store.getJob(id);
    // Retention keeps terminal jobs for job_log_retention, so this is someone deleting rows.
    if (job === null) throw new PosternError("job_vanished", `job ${id} disappeared from the database`);
    return job;
  };
  let seen = "";
  try {
    const how = await pollUntil(WAIT_INTERVAL_MS, () => {
      const job = read();
      const now = `${job.status}/${job.attempt}`;
      if (progress && now !== seen) narrate(job);
      seen = now;
      return job.status === "succeeded" || job.status === "dead";
    });
    return { job: read(), interrupted: how === "signal" };
  } finally {
    store.close();
  }
}

/**
 * A job that ended dead may have opened its (plugin, command) circuit: the breaker counts
 * failures whatever their origin (docs/scheduling.md), so runs while developing a plugin open it too.
 * Say so, and how to close it, at the moment the operator is looking.
 */
export function warnOpenCircuit(config: Config, job: Job): void {
  const nowMs = Date.now();
  const store = openStore(config.service.state_dir, { clock: systemClock, readonly: true });
  try {
    const circuit = circuitsView({ store, config, plugin: job.plugin, nowMs })[job.command];
    if (circuit === undefined || circuit.state === "closed") return;
    // Only scheduled polls are held back (docs/scheduling.md); a handle circuit is shown, blocks nothing.
    const held =
      job.command === "poll"
        ? "no scheduled polls run until it closes"
        : "it blocks nothing, but status reports it";
    process.stderr.write(
      `the ${job.command} circuit of ${job.plugin} is ${circuit.state.replace("_", "-")} after ${circuit.failures} failures in a row ` +
        `(failures of jobs run from the CLI count too); ${held}. Close it now: ${resetCommand(job.plugin, job.command)}\n`,
    );
  } finally {
    store.close();
  }
}

function narrate(job: Job): void {
  const of = `${job.attempt}/${job.max_attempts}`;
  let line: string | null = null;
  if (job.status === "running") line = `attempt ${of} running`;
  else if (job.status === "queued" && job.next_retry_at !== null) {
    line = `attempt ${job.attempt - 1} failed: ${job.last_error ?? "?"}; retry ${relative(job.next_retry_at, Date.now())}`;
  }
  if (line !== null) process.stderr.write(`${line}\n`);
}
