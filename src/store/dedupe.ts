/**
 * Dedupe (SPEC §6.6): a key blocks a new job only when a job of the same plugin AND command
 * with that key succeeded within the TTL. Every hit is counted per plugin.
 */
import type { Database } from "better-sqlite3";
import { type Prepared, prepareAll } from "./prepare.js";

export const DEDUPE_SQL = {
  lookup: `
    SELECT id FROM jobs
    WHERE plugin = ? AND command = ? AND dedupe_key = ? AND status = 'succeeded' AND completed_at >= ?
    ORDER BY completed_at DESC LIMIT 1`,
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

  /** The succeeded job that blocks this key, if any; counts the hit (call inside the write). */
  check(plugin: string, command: string, key: string | null, sinceIso: string): string | null {
    if (key === null) return null;
    const row = this.s.lookup.get(plugin, command, key, sinceIso) as { id: string } | undefined;
    if (row === undefined) return null;
    this.s.countHit.run(plugin);
    return row.id;
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
