/**
 * Starting the plugin process (docs/plugins.md, "The process"): the entrypoint in its own directory and its own
 * process group, with the clean environment and three pipes. A failure to start is an outcome
 * of the attempt, never an exception of the core.
 */
import { type ChildProcessWithoutNullStreams, type SpawnOptions, spawn } from "node:child_process";
import type { CoreTermination } from "../core/outcome.js";
import type { LoadedPlugin } from "../plugins/types.js";
import { processStartTime } from "./proc.js";
import type { SpawnInfo } from "./types.js";
import type { GroupWatch } from "./watch.js";

/** Everything the process is started with, in one place. */
export function spawnOptions(plugin: LoadedPlugin, env: Record<string, string>): SpawnOptions {
  return {
    cwd: plugin.dir,
    env,
    // Its own process group, so a deadline or the end of the attempt reaches its children too.
    detached: true,
    stdio: ["pipe", "pipe", "pipe"],
  };
}

export type Spawned = { child: ChildProcessWithoutNullStreams; pid: number } | { failed: CoreTermination };

export async function spawnPlugin(plugin: LoadedPlugin, env: Record<string, string>): Promise<Spawned> {
  let child: ChildProcessWithoutNullStreams;
  try {
    child = spawn(plugin.entrypoint, [], spawnOptions(plugin, env)) as ChildProcessWithoutNullStreams;
  } catch (e) {
    // Node reports only some spawn failures as an 'error' event; others (ETXTBSY, E2BIG, a NUL
    // byte in env) throw here.
    return { failed: spawnError(e as NodeJS.ErrnoException) };
  }
  if (child.pid !== undefined) return { child, pid: child.pid };
  // ENOENT, EACCES: no pid, and the reason follows as an 'error' event.
  const err = await new Promise<NodeJS.ErrnoException>((resolve) => child.on("error", resolve));
  closePipes(child);
  return { failed: spawnError(err) };
}

/** A spawn that failed after the process seemed to start (Node reports it as an 'error' event). */
export function spawnFailure(child: ChildProcessWithoutNullStreams, watch: GroupWatch): Promise<void> {
  return new Promise((resolve) => {
    child.on("error", (err: NodeJS.ErrnoException) => {
      if (!(err.syscall ?? "").startsWith("spawn")) return;
      watch.recordTermination(spawnError(err));
      watch.exit ??= { code: null, signal: null };
      resolve();
    });
  });
}

function spawnError(err: NodeJS.ErrnoException): CoreTermination {
  return { kind: "spawn_error", code: err.code ?? "UNKNOWN", message: err.message };
}

/** Writes the request, already serialised, and closes stdin. */
export function writeRequest(child: ChildProcessWithoutNullStreams, input: string): void {
  // A plugin that never reads stdin, or exits first, makes this write fail with EPIPE:
  // that is not an outcome of its own, the exit status and stdout decide.
  child.stdin.on("error", () => {});
  child.stdin.end(input);
}

/**
 * Records the spawn, last, once the deadline and the pipes are in place: if recording fails
 * (a busy or full database), the attempt must not run unwatched and unrecorded.
 */
export function recordSpawn(watch: GroupWatch, onSpawn: ((info: SpawnInfo) => void) | undefined): void {
  try {
    onSpawn?.({ pid: watch.pgid, pgid: watch.pgid, startTime: processStartTime(watch.pgid) });
  } catch (e) {
    watch.recordTermination({
      kind: "spawn_error",
      code: "ERECORD",
      message: `could not record the spawn: ${(e as Error).message}`,
    });
    watch.kill("SIGKILL");
  }
}

export function closePipes(child: ChildProcessWithoutNullStreams): void {
  child.stdout?.destroy();
  child.stderr?.destroy();
  child.stdin?.destroy();
}
