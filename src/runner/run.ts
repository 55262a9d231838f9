/**
 * Runs one plugin command as one process (docs/plugins.md, "The process"; docs/plugins.md; docs/jobs.md, "Attempts"): its own process group, a clean
 * environment, one JSON request on stdin, bounded capture of stdout and stderr, a deadline
 * enforced with SIGTERM → grace → SIGKILL to the whole group, and an outcome classified per
 * §5.3. It never throws for anything a plugin does; it resolves with what happened.
 *
 * This file only puts the concerns together, each in its own module: spawn.ts (start, request,
 * spawn record), capture.ts (bounded output), deadline.ts (SIGTERM → grace → SIGKILL), abort.ts
 * (shutdown), linger.ts (exit, then pipes or a bounded linger), watch.ts (what they share: the
 * first termination reason is kept), result.ts (the outcome, via core/outcome.ts).
 */
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { type Clock, systemClock } from "../core/clock.js";
import type { CoreTermination } from "../core/outcome.js";
import { watchAbort } from "./abort.js";
import { captureOutput, type OutputCapture } from "./capture.js";
import { armDeadline } from "./deadline.js";
import { closeInheritedOnExecOnce } from "./inherited-fds.js";
import { exitedAndDrained } from "./linger.js";
import { waitForGroupGone } from "./proc.js";
import { notStartedResult, observedResult, type Timing } from "./result.js";
import { closePipes, recordSpawn, spawnFailure, spawnPlugin, writeRequest } from "./spawn.js";
import { DEFAULT_LIMITS, type RunLimits, type RunOptions, type RunResult } from "./types.js";
import { GroupWatch } from "./watch.js";

export { notStartedResult } from "./result.js";
export { DEFAULT_LIMITS, type RunLimits, type RunOptions, type RunResult, type SpawnInfo } from "./types.js";

/** When the attempt began, on both clocks: wall for the record, monotonic for the duration. */
interface Start {
  clock: Clock;
  at: number;
  mono: number;
}

export async function runPlugin(opts: RunOptions): Promise<RunResult> {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const clock = opts.clock ?? systemClock;
  const start: Start = { clock, at: clock.now(), mono: clock.monotonic() };
  if (opts.abort?.aborted) return notStartedResult({ kind: "aborted" }, start.at, clock.now(), 0);
  // Serialised before anything is spawned: a request that cannot be serialised (a job stored
  // before the depth limit existed, nested past the stack) fails the attempt with no process
  // started, never one left running beside its own retry.
  let input: string;
  try {
    input = `${JSON.stringify(opts.request)}\n`;
  } catch (e) {
    return notStarted({ kind: "unserialisable_request", message: (e as Error).message }, start);
  }
  // Right before the spawn, so what runs is what was checked.
  const refusal = opts.recheckTrust?.() ?? null;
  if (refusal !== null) return notStarted({ kind: "refused", reason: refusal }, start);
  closeInheritedOnExecOnce();
  const spawned = await spawnPlugin(opts.plugin, opts.env);
  if ("failed" in spawned) return notStarted(spawned.failed, start);
  return supervise(spawned.child, spawned.pid, input, opts, limits, start);
}

/**
 * Watches a started process to its end: every termination concern is armed on one watch, the
 * first reason any of them records is kept, and the attempt ends when the process exited and
 * its pipes closed (or lingered too long), or when the spawn turned out to have failed.
 */
async function supervise(
  child: ChildProcessWithoutNullStreams,
  pid: number,
  input: string,
  opts: RunOptions,
  limits: RunLimits,
  start: Start,
): Promise<RunResult> {
  const watch = new GroupWatch(pid);
  const output = captureOutput(child, limits, () => {
    if (watch.recordTermination({ kind: "stdout_cap", capBytes: limits.stdoutMaxBytes }))
      watch.kill("SIGKILL");
  });
  const done = Promise.race([
    exitedAndDrained(child, watch, output.closed, limits.streamLingerMs),
    spawnFailure(child, watch),
  ]);
  watchAbort(watch, opts.abort);
  armDeadline(watch, opts.timeoutMs, limits.killGraceMs);
  writeRequest(child, input);
  recordSpawn(watch, opts.onSpawn);
  await done;
  return finish(child, watch, output, limits, start);
}

async function finish(
  child: ChildProcessWithoutNullStreams,
  watch: GroupWatch,
  output: OutputCapture,
  limits: RunLimits,
  start: Start,
): Promise<RunResult> {
  watch.end();
  // Whatever the plugin left behind in its group (a daemonised helper, a grandchild holding a
  // pipe) dies with the attempt: one process per job, nothing outlives it.
  watch.kill("SIGKILL");
  closePipes(child);
  const result = observedResult(
    { termination: watch.termination, exit: watch.exit, pid: watch.pgid },
    output,
    limits,
    timingSince(start),
  );
  // Resolve only once the group is really gone, so a re-run never overlaps this attempt.
  await waitForGroupGone(watch.pgid, limits.killGraceMs);
  return result;
}

function notStarted(termination: CoreTermination, start: Start): RunResult {
  const t = timingSince(start);
  return notStartedResult(termination, t.startedAt, t.completedAt, t.durationMs);
}

function timingSince(start: Start): Timing {
  return {
    startedAt: start.at,
    completedAt: start.clock.now(),
    durationMs: Math.round(start.clock.monotonic() - start.mono),
  };
}
