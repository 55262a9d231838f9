/**
 * Stored run plans (docs/scheduling.md), one row per scheduled plugin: the drawn offset and planned time
 * survive restarts; `run_job_id` marks the plan as enqueued, so a due run is submitted once;
 * the skip columns keep why a due run was not enqueued, for `status` and log-once.
 */
import type { Database } from "better-sqlite3";
import { type Prepared, prepareAll } from "./prepare.js";

export interface ScheduleRow {
  plugin: string;
  config_hash: string;
  anchor_at: string | null;
  offset_ms: number;
  base_at: string;
  next_run_at: string;
  run_job_id: string | null;
  /** Polls enqueued for this plan: more than one means earlier ones ended without success. */
  polls: number;
  skip_kind: string | null;
  skip_reason: string | null;
  skipped_at: string | null;
  updated_at: string;
}

/** A new plan: replaces the old one and forgets its enqueued job and skip. */
export type SchedulePlanRow = Pick<
  ScheduleRow,
  "plugin" | "config_hash" | "anchor_at" | "offset_ms" | "base_at" | "next_run_at" | "updated_at"
>;

export const SCHEDULE_SQL = {
  get: "SELECT * FROM schedules WHERE plugin = ?",
  all: "SELECT * FROM schedules ORDER BY plugin",
  putPlan: `
    INSERT INTO schedules (plugin, config_hash, anchor_at, offset_ms, base_at, next_run_at, updated_at)
    VALUES (@plugin, @config_hash, @anchor_at, @offset_ms, @base_at, @next_run_at, @updated_at)
    ON CONFLICT (plugin) DO UPDATE SET
      config_hash = excluded.config_hash, anchor_at = excluded.anchor_at,
      offset_ms = excluded.offset_ms, base_at = excluded.base_at,
      next_run_at = excluded.next_run_at, run_job_id = NULL, polls = 0, skip_kind = NULL,
      skip_reason = NULL, skipped_at = NULL, updated_at = excluded.updated_at`,
  setRunJob: `
    UPDATE schedules SET run_job_id = @job_id, polls = polls + @counted, skip_kind = NULL,
                         skip_reason = NULL, skipped_at = NULL, updated_at = @now
    WHERE plugin = @plugin`,
  setSkip: `
    UPDATE schedules SET skip_kind = ?, skip_reason = ?, skipped_at = ?, updated_at = ?
    WHERE plugin = ?`,
  remove: "DELETE FROM schedules WHERE plugin = ?",
} as const;

export class SchedulesTable {
  private readonly s: Prepared<typeof SCHEDULE_SQL>;

  constructor(db: Database) {
    this.s = prepareAll(db, SCHEDULE_SQL);
  }

  get(plugin: string): ScheduleRow | null {
    return (this.s.get.get(plugin) as ScheduleRow | undefined) ?? null;
  }

  all(): ScheduleRow[] {
    return this.s.all.all() as ScheduleRow[];
  }

  putPlan(plan: SchedulePlanRow): void {
    this.s.putPlan.run(plan);
  }

  /**
   * A poll enqueued for the plan (counted), one kept across a replan (`counted` false), or
   * null: the enqueued poll is over without a success, so the plan is due again.
   */
  setRunJob(plugin: string, jobId: string | null, nowIso: string, counted = jobId !== null): void {
    this.s.setRunJob.run({ job_id: jobId, counted: counted ? 1 : 0, now: nowIso, plugin });
  }

  setSkip(plugin: string, skip: { kind: string; reason: string } | null, nowIso: string): void {
    this.s.setSkip.run(
      skip?.kind ?? null,
      skip?.reason ?? null,
      skip === null ? null : nowIso,
      nowIso,
      plugin,
    );
  }

  remove(plugin: string): boolean {
    return this.s.remove.run(plugin).changes > 0;
  }
}
