/**
 * `postern logs` blocks: one per attempt, a header line then its logs and all of its stored
 * stderr (`jobs show` shows an excerpt; here the output is the point).
 */
import type { AttemptLogEntry } from "../../store/index.js";
import { attemptBody, exitText } from "./attempt.js";
import { indent } from "./text.js";
import { span } from "./time.js";

/**
 * `2026-02-08T06:12:44.120Z  withings poll  job 0193…  attempt 2/4  failed (exit 3, 1.2s)`.
 * `maxAttempts` is null when the job was pruned meanwhile.
 */
export function logBlock(a: AttemptLogEntry, maxAttempts: number | null): string {
  const of = `attempt ${a.attempt}/${maxAttempts ?? "?"}`;
  const how = [exitText(a), ...(a.duration_ms === null ? [] : [span(a.duration_ms)])].join(", ");
  const head = `${a.completed_at}  ${a.plugin} ${a.command}  job ${a.job_id}  ${of}  ${a.status} (${how})`;
  return [head, ...indent(attemptBody(a, null), "  ")].join("\n");
}
