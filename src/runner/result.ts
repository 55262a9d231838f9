/**
 * What the runner reports for one attempt: the outcome classified by the pure core/outcome.ts
 * from what was observed, with the bounded excerpts of stderr and stdout that are persisted.
 */
import { type CoreTermination, classifyOutcome } from "../core/outcome.js";
import { type ParsedResponse, parseResponse } from "../protocol/parse.js";
import { headText, type OutputCapture, tailText } from "./capture.js";
import type { RunLimits, RunResult } from "./types.js";
import type { Exit } from "./watch.js";

export interface Timing {
  startedAt: number;
  completedAt: number;
  durationMs: number;
}

/** The result of a process that ran (whatever ended it). */
export function observedResult(
  observed: { termination: CoreTermination | null; exit: Exit | null; pid: number },
  output: OutputCapture,
  limits: RunLimits,
  timing: Timing,
): RunResult {
  const { termination, exit } = observed;
  // Stdout is parsed only when the process ended on its own: a cut-off response is not one.
  const parsed: ParsedResponse | null =
    termination === null && exit !== null ? parseResponse(output.stdout.bytes()) : null;
  const outcome = classifyOutcome({
    termination,
    exitCode: exit?.code ?? null,
    signal: exit?.signal ?? null,
    parsed,
  });
  const { stdout, stderr } = output;
  const stderrBytes = stderr.bytes();
  const persisted = tailText(stderrBytes, limits.persistStderrBytes);
  const dropped = stderr.bytesDropped + persisted.cut;
  return {
    outcome,
    exitCode: exit?.code ?? null,
    signal: exit?.signal ?? null,
    timedOut: termination?.kind === "timeout",
    aborted: termination?.kind === "aborted",
    pid: observed.pid,
    ...timing,
    stderr: persisted.text,
    stderrTruncated: dropped > 0,
    stderrBytesDropped: dropped,
    stderrBytesTotal: stderr.bytesDropped + stderrBytes.length,
    stdout: outcome.protocolError ? headText(stdout.bytes(), limits.persistStdoutBytes).text : null,
    peakBuffered: { stdout: stdout.bytesHeld, stderr: stderr.peakHeld },
  };
}

/** The result of an attempt that never started a process (refused, aborted, failed to spawn). */
export function notStartedResult(
  termination: CoreTermination,
  startedAt: number,
  completedAt: number,
  durationMs: number,
): RunResult {
  return {
    outcome: classifyOutcome({ termination, exitCode: null, signal: null, parsed: null }),
    exitCode: null,
    signal: null,
    timedOut: false,
    aborted: termination.kind === "aborted",
    pid: null,
    startedAt,
    completedAt,
    durationMs: Math.round(durationMs),
    stderr: "",
    stderrTruncated: false,
    stderrBytesDropped: 0,
    stderrBytesTotal: 0,
    stdout: null,
    peakBuffered: { stdout: 0, stderr: 0 },
  };
}
