/**
 * Attempt outcome classification (docs/design.md, "Outcome of an attempt") as a pure function over what the runner
 * observed. Exit status wins over the response; the first termination reason the core
 * recorded (timeout, stdout cap, spawn failure) wins over everything.
 */

import { MAX_JSON_DEPTH } from "./json-depth.js";
import type { ParsedResponse, PluginResponse } from "./protocol-types.js";
import { formatDuration } from "./units.js";

export type AttemptStatus = "succeeded" | "failed" | "timed_out";

export const EX_TEMPFAIL = 75;
export const EX_CONFIG = 78;

/** Why the core itself ended the process, if it did. */
export type CoreTermination =
  | { kind: "timeout"; timeoutMs: number }
  | { kind: "stdout_cap"; capBytes: number }
  | { kind: "refused"; reason: string }
  | { kind: "aborted" }
  | { kind: "spawn_error"; code: string; message: string }
  /** The request could not be serialised, so no process was started (it would fail again). */
  | { kind: "unserialisable_request"; message: string };

export interface Observation {
  termination: CoreTermination | null;
  exitCode: number | null;
  signal: string | null;
  /** The parsed stdout; null when it was not parsed (spawn failure, timeout, cap). */
  parsed: ParsedResponse | null;
}

export interface Outcome {
  status: AttemptStatus;
  retryable: boolean;
  /** Human-readable error; null on success. */
  error: string | null;
  /** The valid response, when there was one (even on failure: its logs still matter). */
  response: PluginResponse | null;
  protocolError: boolean;
}

const NON_RETRYABLE_SPAWN_ERRORS = new Set(["ENOENT", "EACCES"]);

export function classifyOutcome(o: Observation): Outcome {
  const t = o.termination;
  if (t?.kind === "spawn_error") {
    const retryable = !NON_RETRYABLE_SPAWN_ERRORS.has(t.code);
    const what =
      t.code === "ENOENT"
        ? "entrypoint or its interpreter (shebang) not found"
        : t.code === "EACCES"
          ? "entrypoint not executable"
          : "could not start plugin";
    return failure(`${what}: ${t.message}`, retryable, null);
  }
  if (t?.kind === "unserialisable_request") {
    return failure(
      `the request could not be serialised, no process was started: ${t.message} (JSON entering Postern may nest at most ${MAX_JSON_DEPTH} levels; something in this request is deeper, e.g. a job queued before that limit)`,
      false,
      null,
    );
  }
  if (t?.kind === "refused") return failure(`plugin refused at spawn: ${t.reason}`, false, null);
  // The caller re-queues an aborted attempt without consuming it; this is only its description.
  if (t?.kind === "aborted") return failure("stopped by the core during shutdown", true, null);
  if (t?.kind === "timeout") {
    return {
      status: "timed_out",
      retryable: true,
      error: `timed out after ${formatDuration(t.timeoutMs)}`,
      response: null,
      protocolError: false,
    };
  }
  if (t?.kind === "stdout_cap") {
    return {
      ...failure(`protocol error: stdout exceeded ${formatBytes(t.capBytes)}`, true, null),
      protocolError: true,
    };
  }

  const response = o.parsed?.ok ? o.parsed.response : null;
  const exitedCleanly = o.exitCode === 0 && o.signal === null;

  if (!exitedCleanly) {
    const described = describeExit(o.exitCode, o.signal);
    const error = response?.error ?? described;
    if (o.exitCode === EX_CONFIG) return failure(error, false, response);
    if (o.exitCode === EX_TEMPFAIL) return failure(error, true, response);
    return failure(error, response?.retry ?? true, response);
  }

  if (!o.parsed?.ok) {
    const detail = o.parsed ? o.parsed.error : "no response";
    return { ...failure(`protocol error: ${detail}`, true, null), protocolError: true };
  }
  const ok = o.parsed.response;
  if (ok.status === "ok") {
    return { status: "succeeded", retryable: false, error: null, response: ok, protocolError: false };
  }
  return failure(ok.error ?? "plugin reported an error", ok.retry ?? true, ok);
}

function failure(error: string, retryable: boolean, response: PluginResponse | null): Outcome {
  return { status: "failed", retryable, error, response, protocolError: false };
}

export function describeExit(exitCode: number | null, signal: string | null): string {
  if (signal !== null) return `killed by ${signal}`;
  if (exitCode === EX_CONFIG) return `exit code ${EX_CONFIG} (EX_CONFIG: configuration error, not retried)`;
  if (exitCode === EX_TEMPFAIL) return `exit code ${EX_TEMPFAIL} (EX_TEMPFAIL: temporary failure)`;
  return `exit code ${exitCode ?? "unknown"}`;
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KB`;
  return `${n} bytes`;
}
