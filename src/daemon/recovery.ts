/**
 * Crash recovery at start (docs/daemon.md), with the lock held: every `running` job is an orphan of a
 * crashed core. Its plugin process group may still be alive (SIGKILL of the core does not reach
 * a detached group), so it is killed first, and only if it is still the same process, so an
 * old attempt never overlaps its re-run and a recycled pid is never shot.
 */

import type { AlertSettings } from "../core/system-events.js";
import { logAlerts } from "../log/alerts.js";
import type { Logger } from "../log/logger.js";
import { groupHasLiveMembers, processStartTime, signalGroup, waitForGroupGone } from "../runner/proc.js";
import type { RaisedAlerts, RecoveredJob, Store } from "../store/index.js";

/**
 * The group recorded at spawn is still ours when its leader has the recorded start time, or
 * when the leader is gone but members remain: Linux never hands out a pid that is still some
 * live group's id, so remaining members can only be the orphan's own descendants.
 */
export function isSameGroup(pgid: number, startTime: string): boolean {
  const leaderStart = processStartTime(pgid);
  if (leaderStart !== null) return leaderStart === startTime;
  return groupHasLiveMembers(pgid);
}

export async function recoverOrphanedJobs(
  store: Store,
  nowMs: number,
  log: Logger,
  alerts: AlertSettings | null = null,
): Promise<RecoveredJob[]> {
  const killed: number[] = [];
  const raised: RaisedAlerts = { sent: [], suppressed: [] };
  const recovered = store.recoverOrphans(
    nowMs,
    isSameGroup,
    (pgid) => {
      if (signalGroup(pgid, "SIGKILL")) killed.push(pgid);
    },
    alerts,
    raised,
  );
  logAlerts(log, raised);
  for (const pgid of killed) {
    if (!(await waitForGroupGone(pgid, 5000))) {
      log.error({ pgid }, `process group ${pgid} of an orphaned attempt survived SIGKILL for 5s`);
    }
  }
  for (const job of recovered) {
    log.warn(
      { plugin: job.plugin, job_id: job.id, killed_process_group: job.killed, status: job.status },
      `recovered job ${job.id} (${job.plugin} ${job.command}) orphaned by a core restart: attempt ${job.attempt} recorded as failed, job is now ${job.status}`,
    );
  }
  return recovered;
}
