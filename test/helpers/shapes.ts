/**
 * The stable `--json` field names of SPEC §6.1 and §13.1, written out once from the spec (not
 * derived from the code, so a renamed field fails the tests that use them).
 */
export const JOB_KEYS = [
  "id",
  "plugin",
  "command",
  "payload",
  "status",
  "attempt",
  "max_attempts",
  "submitted_by",
  "dedupe_key",
  "created_at",
  "started_at",
  "completed_at",
  "next_retry_at",
  "last_error",
  "parent_job_id",
  "source_event_id",
];

export const ATTEMPT_KEYS = [
  "attempt",
  "status",
  "started_at",
  "completed_at",
  "duration_ms",
  "exit_code",
  "signal",
  "error",
  "retryable",
  "stderr",
  "stderr_truncated",
  "stderr_bytes_dropped",
  "stdout",
  "logs",
];
