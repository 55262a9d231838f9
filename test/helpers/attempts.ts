/** Outcomes and run records for tests that plan and commit attempts without spawning plugins. */
import type { AttemptRun } from "../../src/core/completion.js";
import type { Outcome } from "../../src/core/outcome.js";
import type { PluginResponse } from "../../src/protocol/messages.js";

export function ok(response: Omit<PluginResponse, "status"> = {}): Outcome {
  return {
    status: "succeeded",
    retryable: false,
    error: null,
    response: { status: "ok", ...response },
    protocolError: false,
  };
}

export function failed(error: string, retryable = true, status: "failed" | "timed_out" = "failed"): Outcome {
  return { status, retryable, error, response: null, protocolError: false };
}

/** A plugin run that ended at `completedAt` after `durationMs`, exit 0 unless told otherwise. */
export function runRecord(
  completedAt: number,
  over: Partial<Pick<AttemptRun, "exitCode" | "durationMs" | "stderr">> = {},
): AttemptRun {
  const durationMs = over.durationMs ?? 0;
  return {
    exitCode: over.exitCode ?? 0,
    signal: null,
    startedAt: completedAt - durationMs,
    completedAt,
    durationMs,
    stderr: over.stderr ?? "",
    stderrTruncated: false,
    stderrBytesDropped: 0,
    stdout: null,
  };
}
