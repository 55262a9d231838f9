/**
 * Dedupe (docs/jobs.md, "Dedupe"): whether a new job with a key duplicates an existing job of the same
 * plugin and command. The store finds the candidates (two index lookups); the rule is here.
 */

/** The jobs of the same plugin and command that hold the key, as the store found them. */
export interface KeyHolders {
  /** The most recently completed succeeded job with the key, whatever its age. */
  lastSucceeded: { id: string; completed_at: string } | null;
  /** The oldest queued or running job with the key (one waiting for a retry is queued). */
  outstanding: { id: string; status: "queued" | "running" } | null;
}

export type DuplicateStatus = "succeeded" | "queued" | "running";

/** A dedupe hit: the new job is not enqueued; this existing job stands for it. */
export interface DedupeHit {
  duplicateOf: string;
  duplicateStatus: DuplicateStatus;
}

/**
 * A job that succeeded within the TTL is a hit (the work is done); so is one still queued or
 * running, whose outcome then stands for both (a quick redelivery runs once). Succeeded wins
 * when both exist: it is the finished answer. Dead jobs never block (they are not candidates),
 * nor does a success older than the TTL.
 */
export function findDuplicate(holders: KeyHolders, nowMs: number, ttlMs: number): DedupeHit | null {
  const done = holders.lastSucceeded;
  if (done !== null && Date.parse(done.completed_at) >= nowMs - ttlMs) {
    return { duplicateOf: done.id, duplicateStatus: "succeeded" };
  }
  const pending = holders.outstanding;
  if (pending !== null) return { duplicateOf: pending.id, duplicateStatus: pending.status };
  return null;
}

/** "already succeeded as job X" / "is already queued as job X": for log lines and the CLI. */
export function describeDuplicate(duplicateOf: string, status: DuplicateStatus): string {
  return status === "succeeded"
    ? `already succeeded as job ${duplicateOf}`
    : `is already ${status} as job ${duplicateOf}`;
}
