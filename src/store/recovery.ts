/**
 * Crash recovery (docs/daemon.md). Runs with the instance lock held, so every `running` row is an
 * orphan of a dead core. Its process group may still be alive (SIGKILL of the core does not
 * reach it): it is killed first, so the old attempt never overlaps its re-run.
 */
import { isoUtc } from "../core/clock.js";
import type { AlertSettings } from "../core/system-events.js";
import { type StoreConnection, writeTx } from "./connection.js";
import { noAlerts, type RaisedAlerts, raiseAlerts } from "./system-events.js";

export const RESTART_ERROR = "core restarted during attempt";

export interface RecoveredJob {
  id: string;
  plugin: string;
  command: string;
  /** The attempt that was lost. */
  attempt: number;
  /** Whether its process group was still the same process and was killed. */
  killed: boolean;
  status: "queued" | "dead";
}

export function recoverOrphans(
  ctx: StoreConnection,
  nowMs: number,
  isSameProcess: (pgid: number, startTime: string) => boolean,
  kill: (pgid: number) => void,
  alerts: AlertSettings | null = null,
  raised: RaisedAlerts = noAlerts(),
): RecoveredJob[] {
  const recovered: RecoveredJob[] = [];
  for (const row of ctx.jobs.running()) {
    // Without a start time the pid may have been recycled by an unrelated process: never
    // signal what cannot be identified.
    const killed =
      row.pgid !== null && row.proc_start_time !== null && isSameProcess(row.pgid, row.proc_start_time);
    if (killed && row.pgid !== null) kill(row.pgid);

    const last = row.attempt >= row.max_attempts;
    const nowIso = isoUtc(nowMs);
    const started = row.started_at === null ? null : Date.parse(row.started_at);
    const done = writeTx(ctx, () => {
      const finished = ctx.jobs.finish({
        id: row.id,
        expected_attempt: row.attempt,
        status: last ? "dead" : "queued",
        attempt: last ? row.attempt : row.attempt + 1,
        completed_at: last ? nowIso : null,
        next_retry_at: null,
        last_error: RESTART_ERROR,
      });
      if (!finished) return false;
      ctx.attempts.insert({
        job_id: row.id,
        plugin: row.plugin,
        command: row.command,
        attempt: row.attempt,
        status: "failed",
        started_at: row.started_at,
        completed_at: nowIso,
        duration_ms: started === null ? null : Math.max(0, nowMs - started),
        exit_code: null,
        signal: null,
        error: RESTART_ERROR,
        retryable: true,
        stderr: "",
        stderr_truncated: false,
        stderr_bytes_dropped: 0,
        stdout: null,
        logs: [],
      });
      ctx.breakers.apply(row.plugin, row.command, "increment", nowIso);
      if (last) {
        // docs/operations.md: a job that died of the restart is reported like any other dead job.
        const occurrence = {
          type: "postern.job.dead",
          plugin: row.plugin,
          command: row.command,
          at: nowMs,
          job: { id: row.id, route_depth: row.route_depth },
          reason: `${RESTART_ERROR}; after ${row.attempt === 1 ? "1 attempt" : `${row.attempt} attempts`}`,
        } as const;
        raiseAlerts(ctx, [occurrence], alerts, raised);
      }
      return true;
    });
    if (!done) continue;
    recovered.push({
      id: row.id,
      plugin: row.plugin,
      command: row.command,
      attempt: row.attempt,
      killed,
      status: last ? "dead" : "queued",
    });
  }
  return recovered;
}
