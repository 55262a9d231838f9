/**
 * Read models for the web dashboard (docs/dashboard.md). Nothing here writes. Every statement
 * reaches `jobs` through an index (test/store/query-plan.test.ts), and none reads a payload:
 * the dashboard never shows one (they may echo config values or secrets), so it never loads one.
 */
import type { Database } from "better-sqlite3";
import { type Prepared, prepareAll } from "./prepare.js";
import type { EventRoute, Job, JobStatus } from "./types.js";

/** Every column a job list shows: the job without its payload. */
const SUMMARY = `id, plugin, command, status, attempt, max_attempts, submitted_by, dedupe_key, created_at,
  started_at, completed_at, next_retry_at, last_error, parent_job_id, source_event_id`;

export const DASHBOARD_SQL = {
  // Terminal jobs by the hour they finished: the partial index jobs_terminal holds exactly these,
  // ordered by completed_at, so only the last day's range is read. Pinned: left to itself the
  // planner picks jobs_status_seq and walks every succeeded job in the history.
  finishedPerHour: `
    SELECT substr(completed_at, 1, 13) AS hour, status, count(*) AS n FROM jobs INDEXED BY jobs_terminal
    WHERE status IN ('succeeded','dead') AND completed_at >= ?
    GROUP BY hour, status`,
  seqOf: "SELECT seq FROM jobs WHERE id = ?",
  summaryById: `SELECT ${SUMMARY} FROM jobs WHERE id = ?`,
  pageAll: `SELECT ${SUMMARY} FROM jobs WHERE seq < ? ORDER BY seq DESC LIMIT ?`,
  pageByPlugin: `SELECT ${SUMMARY} FROM jobs WHERE plugin = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
  pageByStatus: `SELECT ${SUMMARY} FROM jobs WHERE status = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
  // jobs_status_seq, not jobs_plugin_seq: the status filter is the selective one on a long history
  // (queued, running, dead are few), and both indexes end in seq, so no sort either way.
  pageByBoth: `
    SELECT ${SUMMARY} FROM jobs INDEXED BY jobs_status_seq
    WHERE status = ? AND plugin = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
  eventsOf: `
    SELECT event_id, type, dedupe_key, dropped, routes FROM events WHERE job_id = ? ORDER BY position LIMIT ?`,
  eventCount: "SELECT count(*) AS n FROM events WHERE job_id = ?",
} as const;

/** A job as lists and trees show it: everything but the payload. */
export type JobSummary = Omit<Job, "payload">;

/** An emitted event without its payload, and what became of each route. */
export interface EventSummary {
  event_id: string;
  type: string;
  dedupe_key: string | null;
  dropped: string | null;
  routes: EventRoute[];
}

export interface HourCount {
  /** `YYYY-MM-DDTHH` (UTC). */
  hour: string;
  status: "succeeded" | "dead";
  n: number;
}

/** One node of a job's descendants: the job an event became (null when pruned or not created). */
export interface TraceNode {
  event: { event_id: string; type: string };
  route: EventRoute;
  job: JobSummary | null;
  children: TraceNode[];
}

export interface JobTree {
  /** Root first, the job's parent last; `truncated` when retention pruned an ancestor. */
  ancestors: JobSummary[];
  ancestors_truncated: boolean;
  children: TraceNode[];
  /** True when the node or depth limit cut the descendants short. */
  children_truncated: boolean;
}

export interface JobPage {
  jobs: JobSummary[];
  /** The id to pass as `before` for the next (older) page, or null at the end. */
  next_before: string | null;
}

/** Lineage cannot loop (ids are fresh), but a bug must not become an endless walk. */
const MAX_ANCESTORS = 1000;

export class DashboardQueries {
  private readonly s: Prepared<typeof DASHBOARD_SQL>;

  constructor(db: Database) {
    this.s = prepareAll(db, DASHBOARD_SQL);
  }

  finishedPerHour(sinceIso: string): HourCount[] {
    return this.s.finishedPerHour.all(sinceIso) as HourCount[];
  }

  /** The seq of a job id (a page cursor), or null when no such job exists. */
  seqOf(id: string): number | null {
    return (this.s.seqOf.get(id) as { seq: number } | undefined)?.seq ?? null;
  }

  summary(id: string): JobSummary | null {
    return (this.s.summaryById.get(id) as JobSummary | undefined) ?? null;
  }

  /** Newest first, older than the job `beforeSeq` (exclusive); one extra row says "more". */
  page(opts: { plugin?: string; status?: JobStatus; beforeSeq?: number; limit: number }): JobPage {
    const { plugin, status, limit } = opts;
    const before = opts.beforeSeq ?? Number.MAX_SAFE_INTEGER;
    const n = limit + 1;
    const rows = (
      plugin !== undefined && status !== undefined
        ? this.s.pageByBoth.all(status, plugin, before, n)
        : plugin !== undefined
          ? this.s.pageByPlugin.all(plugin, before, n)
          : status !== undefined
            ? this.s.pageByStatus.all(status, before, n)
            : this.s.pageAll.all(before, n)
    ) as JobSummary[];
    const more = rows.length > limit;
    const jobs = more ? rows.slice(0, limit) : rows;
    return { jobs, next_before: more ? (jobs.at(-1)?.id ?? null) : null };
  }

  /** The first `limit` events of a job (a poll may emit tens of thousands). */
  events(jobId: string, limit: number): EventSummary[] {
    return (this.s.eventsOf.all(jobId, limit) as (Omit<EventSummary, "routes"> & { routes: string })[]).map(
      (r) => ({
        ...r,
        routes: JSON.parse(r.routes) as EventRoute[],
      }),
    );
  }

  eventCount(jobId: string): number {
    return (this.s.eventCount.get(jobId) as { n: number }).n;
  }

  /**
   * Where a job came from and what it led to: its parent chain, and the jobs its events became
   * (and theirs), in event order, at most `maxNodes` nodes and `maxDepth` levels.
   */
  tree(job: JobSummary, limits: { maxNodes: number; maxDepth: number }): JobTree {
    const ancestors: JobSummary[] = [];
    const seen = new Set<string>([job.id]);
    let next = job.parent_job_id;
    let truncated = false;
    while (next !== null && !seen.has(next) && ancestors.length < MAX_ANCESTORS) {
      seen.add(next);
      const parent = this.summary(next);
      if (parent === null) {
        truncated = true;
        break;
      }
      ancestors.unshift(parent);
      next = parent.parent_job_id;
    }

    let nodes = 0;
    let cut = false;
    const expand = (of: JobSummary, depth: number): TraceNode[] => {
      const out: TraceNode[] = [];
      for (const ev of this.events(of.id, limits.maxNodes + 1)) {
        for (const route of ev.routes) {
          if (nodes >= limits.maxNodes) {
            cut = true;
            return out;
          }
          nodes++;
          const id = route.job_id;
          const child = id === null || seen.has(id) ? null : this.summary(id);
          if (id !== null) seen.add(id);
          out.push({ event: { event_id: ev.event_id, type: ev.type }, route, job: child, children: [] });
        }
      }
      for (const node of out) {
        if (node.job === null) continue;
        if (depth + 1 >= limits.maxDepth) {
          if (this.events(node.job.id, limits.maxNodes + 1).some((e) => e.routes.length > 0)) cut = true;
          continue;
        }
        node.children = expand(node.job, depth + 1);
      }
      return out;
    };
    const children = expand(job, 0);
    return { ancestors, ancestors_truncated: truncated, children, children_truncated: cut };
  }
}
