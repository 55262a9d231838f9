/**
 * Runs one plugin command as one process (SPEC §4.3, §5, §6.4): its own process group, a clean
 * environment, one JSON request on stdin, bounded capture of stdout and stderr, a deadline
 * enforced with SIGTERM → grace → SIGKILL to the whole group, and an outcome classified per
 * §5.3. It never throws for anything a plugin does; it resolves with what happened.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { type Clock, systemClock } from "../core/clock.js";
import { type CoreTermination, classifyOutcome, type Outcome } from "../core/outcome.js";
import type { LoadedPlugin, PluginCommand } from "../plugins/types.js";
import { type ParsedResponse, parseResponse } from "../protocol/parse.js";
import type { PluginRequest } from "../protocol/schema.js";
import { HeadCapture, headText, TailCapture, tailText } from "./capture.js";
import { closeInheritedOnExecOnce } from "./inherited-fds.js";
import { processStartTime, signalGroup, waitForGroupGone } from "./proc.js";

export interface RunLimits {
  /** stdout held in memory; past it the attempt is a protocol error and the group is killed. */
  stdoutMaxBytes: number;
  /** The tail of stderr held in memory while running. */
  stderrTailBytes: number;
  /** stdout persisted with the attempt on a protocol error (first bytes). */
  persistStdoutBytes: number;
  /** stderr persisted with the attempt (last bytes). */
  persistStderrBytes: number;
  /** Between SIGTERM and SIGKILL after a deadline. */
  killGraceMs: number;
  /** How long stdout/stderr may stay open after the main process exited. */
  streamLingerMs: number;
}

export const DEFAULT_LIMITS: RunLimits = {
  stdoutMaxBytes: 10 * 1024 * 1024,
  stderrTailBytes: 1024 * 1024,
  persistStdoutBytes: 64 * 1024,
  persistStderrBytes: 64 * 1024,
  killGraceMs: 5000,
  streamLingerMs: 1000,
};

export interface SpawnInfo {
  pid: number;
  /** The process group id (the plugin leads its own group). */
  pgid: number;
  /** From /proc, to recognise the same process after a core restart; null if unreadable. */
  startTime: string | null;
}

export interface RunOptions {
  plugin: LoadedPlugin;
  command: PluginCommand;
  request: PluginRequest;
  timeoutMs: number;
  /** The complete environment of the process (see pluginEnvironment). */
  env: Record<string, string>;
  limits?: Partial<RunLimits>;
  clock?: Clock;
  /** Re-runs the trust checks at spawn time; returns a refusal reason or null. */
  recheckTrust?: () => string | null;
  onSpawn?: (info: SpawnInfo) => void;
  /** Aborting kills the process group at once (shutdown after the grace period). */
  abort?: AbortSignal;
}

export interface RunResult {
  outcome: Outcome;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  pid: number | null;
  startedAt: number;
  completedAt: number;
  durationMs: number;
  /** Last bytes of stderr (persisted tier), and how much was dropped to get there. */
  stderr: string;
  stderrTruncated: boolean;
  stderrBytesDropped: number;
  stderrBytesTotal: number;
  /** First bytes of stdout, only when the outcome is a protocol error. */
  stdout: string | null;
  /** True when the attempt was cut short by `abort`: it did not really happen. */
  aborted: boolean;
  /** Peak bytes held in memory per stream, so tests can assert the bound. */
  peakBuffered: { stdout: number; stderr: number };
}

export function runPlugin(opts: RunOptions): Promise<RunResult> {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const clock = opts.clock ?? systemClock;
  const startedAt = clock.now();
  const startedMono = clock.monotonic();

  if (opts.abort?.aborted) {
    return Promise.resolve(notStartedResult({ kind: "aborted" }, startedAt, clock.now(), 0));
  }
  const refusal = opts.recheckTrust?.() ?? null;
  if (refusal !== null) {
    return Promise.resolve(
      notStartedResult(
        { kind: "refused", reason: refusal },
        startedAt,
        clock.now(),
        clock.monotonic() - startedMono,
      ),
    );
  }

  // Before the spawn: a request that cannot be serialised (a job stored before the depth limit
  // existed, nested past the stack) must fail the attempt with no process started, never
  // leave one running beside its own retry.
  let requestText: string;
  try {
    requestText = `${JSON.stringify(opts.request)}\n`;
  } catch (e) {
    return Promise.resolve(
      notStartedResult(
        { kind: "unserialisable_request", message: (e as Error).message },
        startedAt,
        clock.now(),
        clock.monotonic() - startedMono,
      ),
    );
  }

  closeInheritedOnExecOnce();

  return new Promise<RunResult>((resolve) => {
    const stdout = new HeadCapture(limits.stdoutMaxBytes);
    const stderr = new TailCapture(limits.stderrTailBytes);
    let termination: CoreTermination | null = null;
    let exit: { code: number | null; signal: string | null } | null = null;
    let openStreams = 2;
    let settled = false;
    let abortListener: (() => void) | null = null;
    const timers = new Set<NodeJS.Timeout>();
    const after = (ms: number, fn: () => void) => {
      const t = setTimeout(() => {
        timers.delete(t);
        fn();
      }, ms);
      timers.add(t);
    };

    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn(opts.plugin.entrypoint, [], {
        cwd: opts.plugin.dir,
        env: opts.env,
        detached: true,
        stdio: ["pipe", "pipe", "pipe"],
      });
    } catch (e) {
      // Node reports only some spawn failures as an 'error' event; others (ETXTBSY, E2BIG, a NUL
      // byte in env) throw here. Both are outcomes of the attempt, never exceptions of the core.
      const err = e as NodeJS.ErrnoException;
      const termination: CoreTermination = {
        kind: "spawn_error",
        code: err.code ?? "UNKNOWN",
        message: err.message,
      };
      resolve(notStartedResult(termination, startedAt, clock.now(), clock.monotonic() - startedMono));
      return;
    }
    const pid = child.pid ?? null;

    const finish = () => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      if (abortListener) opts.abort?.removeEventListener("abort", abortListener);
      // Whatever the plugin left behind in its group (a daemonised helper, a grandchild
      // holding a pipe) dies with the attempt: one process per job, nothing outlives it.
      if (pid !== null) signalGroup(pid, "SIGKILL");
      child.stdout?.destroy();
      child.stderr?.destroy();
      child.stdin?.destroy();
      const completedAt = clock.now();
      const durationMs = Math.round(clock.monotonic() - startedMono);
      const parsed: ParsedResponse | null =
        termination === null && exit !== null ? parseResponse(stdout.bytes()) : null;
      const outcome = classifyOutcome({
        termination,
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        parsed,
      });
      const stderrBytes = stderr.bytes();
      const persisted = tailText(stderrBytes, limits.persistStderrBytes);
      const dropped = stderr.bytesDropped + persisted.cut;
      const result: RunResult = {
        outcome,
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        timedOut: termination?.kind === "timeout",
        aborted: termination?.kind === "aborted",
        pid,
        startedAt,
        completedAt,
        durationMs,
        stderr: persisted.text,
        stderrTruncated: dropped > 0,
        stderrBytesDropped: dropped,
        stderrBytesTotal: stderr.bytesDropped + stderrBytes.length,
        stdout: outcome.protocolError ? headText(stdout.bytes(), limits.persistStdoutBytes).text : null,
        peakBuffered: { stdout: stdout.bytesHeld, stderr: stderr.peakHeld },
      };
      // Resolve only once the group is really gone, so a re-run never overlaps this attempt.
      if (pid === null) resolve(result);
      else void waitForGroupGone(pid, limits.killGraceMs).then(() => resolve(result));
    };

    const maybeFinish = () => {
      if (exit !== null && openStreams === 0) finish();
    };

    child.on("error", (err: NodeJS.ErrnoException) => {
      if (pid === null || (err.syscall ?? "").startsWith("spawn")) {
        termination ??= { kind: "spawn_error", code: err.code ?? "UNKNOWN", message: err.message };
        exit ??= { code: null, signal: null };
        openStreams = 0;
        finish();
      }
    });

    if (pid === null) return;
    abortListener = () => {
      if (exit !== null) return;
      termination ??= { kind: "aborted" };
      signalGroup(pid, "SIGKILL");
    };
    if (opts.abort?.aborted) abortListener();
    else opts.abort?.addEventListener("abort", abortListener, { once: true });

    child.stdout.on("data", (chunk: Buffer) => {
      if (!stdout.push(chunk) && termination === null) {
        termination = { kind: "stdout_cap", capBytes: limits.stdoutMaxBytes };
        signalGroup(pid, "SIGKILL");
      }
    });
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    for (const stream of [child.stdout, child.stderr]) {
      stream.on("close", () => {
        openStreams -= 1;
        maybeFinish();
      });
      stream.on("error", () => {});
    }

    child.on("exit", (code, signal) => {
      exit = { code, signal };
      // A grandchild may hold our pipes open after the main process is gone: give it a
      // bounded moment, then take the group down and use what was read.
      after(limits.streamLingerMs, finish);
      maybeFinish();
    });

    after(opts.timeoutMs, () => {
      if (exit !== null) return;
      termination ??= { kind: "timeout", timeoutMs: opts.timeoutMs };
      signalGroup(pid, "SIGTERM");
      after(limits.killGraceMs, () => signalGroup(pid, "SIGKILL"));
    });

    // A plugin that never reads stdin, or exits first, makes this write fail with EPIPE:
    // that is not an outcome of its own, the exit status and stdout decide.
    child.stdin.on("error", () => {});
    child.stdin.end(requestText);

    // Last, once the deadline and the pipes are in place: if recording the spawn fails (a busy
    // or full database), the attempt must not run unwatched and unrecorded.
    try {
      opts.onSpawn?.({ pid, pgid: pid, startTime: processStartTime(pid) });
    } catch (e) {
      termination ??= {
        kind: "spawn_error",
        code: "ERECORD",
        message: `could not record the spawn: ${(e as Error).message}`,
      };
      signalGroup(pid, "SIGKILL");
    }
  });
}

/** The result of an attempt that never started a process (refused, or no runtime for it). */
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
