/** The one wording of system events in the daemon's log (docs/operations.md). */
import type { Occurrence, PlannedSystemEvent } from "../core/system-events.js";
import type { Logger } from "./logger.js";

/** One line per system event sent; an ERROR for each one a notifier's own failure did not raise. */
export function logAlerts(
  log: Logger,
  alerts: { sent: readonly PlannedSystemEvent[]; suppressed: readonly Occurrence[] },
): void {
  for (const ev of alerts.sent) {
    log.info(
      {
        system_event: ev.type,
        event_id: ev.event_id,
        count: ev.payload.count,
        new_job_ids: ev.jobs.map((j) => j.id),
      },
      `system event ${ev.type}: ${ev.payload.title}`,
    );
  }
  for (const occ of alerts.suppressed) {
    log.error(
      { system_event: occ.type, plugin: occ.plugin, command: occ.command, job_id: occ.job?.id ?? null },
      `${occ.plugin} handles system events, so ${occ.type} about it is not raised (no alert loops): ${occ.reason}`,
    );
  }
}
