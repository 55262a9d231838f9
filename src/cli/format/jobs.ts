/**
 * Job tables for `queue` and `jobs list`. Ids are shown in full: UUIDv7 ids start with their
 * timestamp, so a short prefix is the same for every job created within the same minute and
 * would not tell them apart (nor could it be pasted into `jobs show`).
 */
import type { Job } from "../../store/index.js";
import { formatTable } from "../table.js";
import { clip } from "./text.js";
import { relative, span } from "./time.js";

/** The status with what matters about it now: a retry's wait, a run's duration so far. */
export function statusCell(job: Job, nowMs: number): string {
  if (job.status === "queued" && job.next_retry_at !== null) {
    const wait = Date.parse(job.next_retry_at) - nowMs;
    return wait > 0 ? `queued (retry in ${span(wait)})` : "queued (retry due)";
  }
  if (job.status === "running" && job.started_at !== null) {
    return `running (${span(nowMs - Date.parse(job.started_at))})`;
  }
  return job.status;
}

export function attemptCell(job: Job): string {
  return `${job.attempt}/${job.max_attempts}`;
}

export function jobsTable(jobs: readonly Job[], nowMs: number): string {
  return formatTable(
    ["ID", "PLUGIN", "COMMAND", "STATUS", "ATTEMPT", "BY", "CREATED", "LAST ERROR"],
    jobs.map((j) => [
      j.id,
      j.plugin,
      j.command,
      statusCell(j, nowMs),
      attemptCell(j),
      j.submitted_by,
      relative(j.created_at, nowMs),
      clip(j.last_error, 60),
    ]),
  );
}
