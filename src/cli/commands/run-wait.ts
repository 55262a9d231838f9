/** `run --wait`: follow one job by re-reading the database until it is succeeded or dead. */
import type { Config } from "../../config/types.js";
import { systemClock } from "../../core/clock.js";
import { PosternError } from "../../core/errors.js";
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

function narrate(job: Job): void {
  const of = `${job.attempt}/${job.max_attempts}`;
  let line: string | null = null;
  if (job.status === "running") line = `attempt ${of} running`;
  else if (job.status === "queued" && job.next_retry_at !== null) {
    line = `attempt ${job.attempt - 1} failed: ${job.last_error ?? "?"}; retry ${relative(job.next_retry_at, Date.now())}`;
  }
  if (line !== null) process.stderr.write(`${line}\n`);
}
