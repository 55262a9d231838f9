/**
 * Dedupe (docs/jobs.md, "Dedupe"): the store finds the jobs of the same plugin AND command that hold a key
 * (core/dedupe.ts decides whether they block). Both lookups are one index seek each: a backlog
 * of keyed jobs never makes an enqueue walk it. Every hit is counted per plugin.
 */
import type { Database } from "better-sqlite3";
import { type DedupeHit, findDuplicate } from "../core/dedupe.js";
import { type Prepared, prepareAll } from "./prepare.js";

export const DEDUPE_SQL = {
  lookup: `
    SELECT id, completed_at FROM jobs
    WHERE plugin = ? AND command = ? AND dedupe_key = ? AND status = 'succeeded'
    ORDER BY completed_at DESC LIMIT 1`,
  lookupOutstanding: `
    SELECT id, status FROM jobs
    WHERE plugin = ? AND command = ? AND dedupe_key = ? AND status IN ('queued','running')
    ORDER BY seq LIMIT 1`,
  countHit: `
    INSERT INTO plugin_counters (plugin, dedupe_hits) VALUES (?, 1)
    ON CONFLICT (plugin) DO UPDATE SET dedupe_hits = dedupe_hits + 1`,
  hits: "SELECT dedupe_hits FROM plugin_counters WHERE plugin = ?",
  allHits: "SELECT plugin, dedupe_hits FROM plugin_counters ORDER BY plugin",
} as const;

export class DedupeTable {
  private readonly s: Prepared<typeof DEDUPE_SQL>;

  constructor(db: Database) {
    this.s = prepareAll(db, DEDUPE_SQL);
  }

  /** The job this key duplicates, if any; counts the hit (call inside the write). */
  check(plugin: string, command: string, key: string | null, nowMs: number, ttlMs: number): DedupeHit | null {
    if (key === null) return null;
    const lastSucceeded =
      (this.s.lookup.get(plugin, command, key) as { id: string; completed_at: string }) ?? null;
    const outstanding =
      (this.s.lookupOutstanding.get(plugin, command, key) as { id: string; status: "queued" | "running" }) ??
      null;
    const hit = findDuplicate({ lastSucceeded, outstanding }, nowMs, ttlMs);
    if (hit !== null) this.s.countHit.run(plugin);
    return hit;
  }

  hits(plugin: string): number {
    return (this.s.hits.get(plugin) as { dedupe_hits: number } | undefined)?.dedupe_hits ?? 0;
  }

  allHits(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.s.allHits.all() as { plugin: string; dedupe_hits: number }[]) {
      out[r.plugin] = r.dedupe_hits;
    }
    return out;
  }
}
