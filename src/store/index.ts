/** The durable store (docs/jobs.md; docs/jobs.md, "Plugin state"; docs/daemon.md): the only place in Postern with SQL. */

export type { SystemEventRow } from "./alerts.js";
export type { Audit, AuditEvent, AuditJob } from "./audit.js";
export { type BackupResult, checkFile } from "./backup.js";
export type { HistoryFill } from "./bench-fill.js";
export type { BreakerRow, BreakerState, BreakerTransition } from "./breakers.js";
export type { BulkRetryFilter, BulkRetryItem } from "./bulk-retry.js";
export type { AttemptOwner, ClaimAhead, CommitResult, CommittedDedupeHit } from "./complete.js";
export type {
  EventSummary,
  HourCount,
  JobPage,
  JobSummary,
  JobTree,
  TraceNode,
} from "./dashboard.js";
export { DB_FILE, type OpenOptions, openStore, verifyWal } from "./db.js";
export type { EnqueueInput, EnqueueResult } from "./enqueue.js";
export type { HeartbeatRow } from "./heartbeats.js";
export type { KilledJob } from "./lifecycle.js";
export { LATEST_VERSION, type Migration, migrations } from "./migrations.js";
export { type PauseRow, pauseKey } from "./pauses.js";
export { probeWal } from "./probe.js";
export type { QueueStats } from "./queries.js";
export { RESTART_ERROR, type RecoveredJob } from "./recovery.js";
export type { SchedulePlanRow, ScheduleRow } from "./schedule.js";
export type { AutoVacuum, FileSpace } from "./space.js";
export { Store } from "./store.js";
export type { CountedOccurrences, RaisedAlerts } from "./system-events.js";
export type * from "./types.js";
export type { LedgerRow } from "./why-ledger.js";
