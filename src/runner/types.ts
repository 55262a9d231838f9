/** What a plugin run takes and gives back (see run.ts). */
import type { Clock } from "../core/clock.js";
import type { Outcome } from "../core/outcome.js";
import type { LoadedPlugin, PluginCommand } from "../plugins/types.js";
import type { PluginRequest } from "../protocol/messages.js";

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
