/**
 * SPEC §15: enqueue and claim stay flat as the table grows. The proof that does not depend on
 * timing is the query plan: every hot statement must reach jobs through an index. The timings
 * are printed as diagnostics only (never asserted: CI machines vary).
 */
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { FakeClock } from "../../src/core/clock.js";
import { ALERTS_SQL } from "../../src/store/alerts.js";
import { DASHBOARD_SQL } from "../../src/store/dashboard.js";
import { DEDUPE_SQL } from "../../src/store/dedupe.js";
import { openStore } from "../../src/store/index.js";
import { JOBS_SQL } from "../../src/store/jobs.js";
import { QUERIES_SQL } from "../../src/store/queries.js";
import { RETENTION_SQL } from "../../src/store/retention.js";
import { WHY_LEDGER_SQL } from "../../src/store/why-ledger.js";
import { tempDir } from "./helpers.js";

const NOW = "2026-01-01T00:00:00.000Z";

interface Hot {
  name: string;
  sql: string;
  params: unknown[] | Record<string, unknown>;
  /** The index it must use, where one specific index is the point. */
  index?: string;
  /** A sort over rows of unbounded count would make the cost grow with the history. */
  noSort?: boolean;
}

const HOT: Hot[] = [
  {
    name: "claim next ready",
    sql: JOBS_SQL.claimNext,
    params: { now: NOW },
    index: "jobs_ready_fresh",
  },
  {
    name: "claim next ready, skipping unhealthy plugins",
    sql: JOBS_SQL.claimNextExcluding,
    params: { now: NOW, exclude: '["p3"]' },
    index: "jobs_ready_retry",
  },
  {
    name: "dedupe lookup",
    sql: DEDUPE_SQL.lookup,
    params: ["p1", "poll", "k-5"],
    index: "jobs_dedupe",
    noSort: true,
  },
  {
    name: "dedupe lookup, queued or running",
    sql: DEDUPE_SQL.lookupOutstanding,
    params: ["p1", "poll", "k-5"],
    index: "jobs_dedupe_outstanding",
    noSort: true,
  },
  { name: "poll guard count", sql: QUERIES_SQL.outstandingPolls, params: ["p1"], index: "jobs_outstanding" },
  {
    name: "retention prune",
    sql: RETENTION_SQL.pruneBatch,
    params: [NOW, 500],
    index: "jobs_terminal",
    noSort: true,
  },
  { name: "job by id", sql: JOBS_SQL.byId, params: ["job-5"] },
  { name: "jobs by id prefix", sql: QUERIES_SQL.byIdPrefix, params: ["job-5", "job-6", 11], noSort: true },
  { name: "running (recovery)", sql: JOBS_SQL.running, params: [] },
  {
    name: "finish attempt",
    sql: JOBS_SQL.finish,
    params: {
      id: "job-5",
      expected_attempt: 1,
      status: "dead",
      attempt: 1,
      completed_at: NOW,
      next_retry_at: null,
      last_error: null,
    },
  },
  {
    name: "kill queued of plugin",
    sql: JOBS_SQL.killQueued,
    params: { plugin: "p1", reason: "r", now: NOW },
    index: "jobs_status_seq",
  },
  {
    name: "next retry time",
    sql: QUERIES_SQL.nextRetry,
    params: ['["p2"]'],
    index: "jobs_ready_retry",
    noSort: true,
  },
  { name: "queue depth", sql: QUERIES_SQL.queueDepth, params: [] },
  { name: "oldest ready", sql: QUERIES_SQL.oldestReady, params: [NOW] },
  { name: "queue listing", sql: QUERIES_SQL.queue, params: [] },
  { name: "jobs list by plugin", sql: QUERIES_SQL.listByPlugin, params: ["p1", 50] },
  { name: "jobs list by status", sql: QUERIES_SQL.listByStatus, params: ["dead", 50] },
  // The dashboard (docs/dashboard.md): pages by cursor never sort, the chart reads one range.
  {
    name: "dashboard: jobs finished per hour",
    sql: DASHBOARD_SQL.finishedPerHour,
    params: [NOW],
    index: "jobs_terminal",
  },
  { name: "dashboard: page cursor", sql: DASHBOARD_SQL.seqOf, params: ["job-5"] },
  { name: "dashboard: job summary", sql: DASHBOARD_SQL.summaryById, params: ["job-5"] },
  { name: "dashboard: page", sql: DASHBOARD_SQL.pageAll, params: [5000, 51], noSort: true },
  {
    name: "dashboard: page by plugin",
    sql: DASHBOARD_SQL.pageByPlugin,
    params: ["p1", 5000, 51],
    index: "jobs_plugin_seq",
    noSort: true,
  },
  {
    name: "dashboard: page by status",
    sql: DASHBOARD_SQL.pageByStatus,
    params: ["dead", 5000, 51],
    index: "jobs_status_seq",
    noSort: true,
  },
  {
    name: "dashboard: page by plugin and status",
    sql: DASHBOARD_SQL.pageByBoth,
    params: ["dead", "p1", 5000, 51],
    index: "jobs_status_seq",
    noSort: true,
  },
];

const PLUGINS = ["p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9"];

/** Mostly history (as after months of running), a few open jobs: what a real table holds. */
function fill(file: string, rows: number): void {
  const db = new Database(file);
  const insert = db.prepare(`
    INSERT INTO jobs (id, plugin, command, payload, status, attempt, max_attempts, submitted_by, dedupe_key,
                      created_at, started_at, completed_at, next_retry_at, last_error)
    VALUES (?, ?, ?, '{}', ?, 1, 4, 'scheduler', ?, ?, ?, ?, ?, NULL)`);
  const base = Date.parse(NOW) - 30 * 86_400_000;
  db.transaction(() => {
    for (let i = 0; i < rows; i++) {
      const at = new Date(base + i * 1000).toISOString();
      const status = i % 100 === 0 ? "queued" : i % 20 === 0 ? "dead" : "succeeded";
      const retry =
        status === "queued" && i % 200 === 0 ? new Date(base + 40 * 86_400_000).toISOString() : null;
      insert.run(
        `job-${i}`,
        PLUGINS[i % PLUGINS.length],
        i % 3 === 0 ? "handle" : "poll",
        status,
        i % 2 === 0 ? `k-${i}` : null,
        at,
        status === "queued" ? null : at,
        status === "queued" ? null : at,
        retry,
      );
    }
  })();
  db.close();
}

function plan(db: Database.Database, sql: string, params: unknown[] | Record<string, unknown>): string[] {
  const stmt = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
  const rows = (Array.isArray(params) ? stmt.all(...params) : stmt.all(params)) as { detail: string }[];
  return rows.map((r) => r.detail);
}

function microsPerOp(n: number, op: (i: number) => void): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) op(i);
  return Number(process.hrtime.bigint() - start) / 1000 / n;
}

/** The SQL cost alone (no commit, no fsync): where a scan would show up as growth. */
function statementCost(file: string): string {
  const db = new Database(file);
  const insert = db.prepare(JOBS_SQL.insert);
  const lookup = db.prepare(DEDUPE_SQL.lookup);
  const lookupOutstanding = db.prepare(DEDUPE_SQL.lookupOutstanding);
  const claimNext = db.prepare(JOBS_SQL.claimNext);
  const n = 2000;
  let enqueueUs = 0;
  let claimUs = 0;
  db.exec("BEGIN");
  try {
    enqueueUs = microsPerOp(n, (i) => {
      lookup.get("p1", "poll", `bench-${i}`);
      lookupOutstanding.get("p1", "poll", `bench-${i}`);
      insert.get({
        id: `bench-${i}`,
        plugin: "p1",
        command: "poll",
        payload: "{}",
        max_attempts: 4,
        submitted_by: "cli",
        dedupe_key: `bench-${i}`,
        created_at: NOW,
        parent_job_id: null,
        source_event_id: null,
        route_depth: 0,
      });
    });
    claimUs = microsPerOp(n, () => claimNext.get({ now: NOW }));
  } finally {
    db.exec("ROLLBACK");
    db.close();
  }
  return `enqueue ${enqueueUs.toFixed(1)} µs/op, claim ${claimUs.toFixed(1)} µs/op`;
}

const SIZES = (process.env.POSTERN_PLAN_SIZES ?? "1000,100000").split(",").map(Number);

describe("query plans and flat cost (SPEC §15)", () => {
  it("postern why and the dashboard's plugin page seek one plugin's newest rows by its index", () => {
    const dir = tempDir();
    openStore(dir, { clock: new FakeClock() }).close();
    const db = new Database(path.join(dir, "postern.db"), { readonly: true });
    try {
      for (const [sql, params, index] of [
        [ALERTS_SQL.recentOfPlugin, ["p1", 5], "system_events_plugin"],
        [WHY_LEDGER_SQL.recent, ["p1", 10], "why_ledger_plugin"],
      ] as const) {
        const details = plan(db, sql, [...params]);
        assert.ok(
          details.some((d) => new RegExp(`^SEARCH \\w+ USING INDEX ${index} \\(plugin=\\?\\)`).test(d)),
          `${sql}: ${details}`,
        );
        assert.ok(!details.some((d) => d.includes("TEMP B-TREE")), `${sql} sorts: ${details}`);
      }
    } finally {
      db.close();
    }
  });

  for (const rows of SIZES) {
    it(`uses an index for every hot statement at ${rows} rows`, (t) => {
      const dir = tempDir();
      const file = path.join(dir, "postern.db");
      openStore(dir, { clock: new FakeClock() }).close();
      fill(file, rows);

      const db = new Database(file, { readonly: true });
      for (const q of HOT) {
        const details = plan(db, q.sql, q.params);
        const onJobs = details.filter((d) => /\bjobs\b/.test(d));
        assert.ok(onJobs.length > 0, `${q.name}: no access to jobs in ${JSON.stringify(details)}`);
        for (const d of onJobs) {
          assert.doesNotMatch(d, /^SCAN jobs$/, `${q.name} scans the table: ${JSON.stringify(details)}`);
          assert.match(d, /USING (COVERING )?INDEX|USING INTEGER PRIMARY KEY/, `${q.name}: ${d}`);
        }
        if (q.index)
          assert.ok(
            details.some((d) => new RegExp(`INDEX ${q.index}\\b`).test(d)),
            `${q.name}: ${details}`,
          );
        if (q.noSort)
          assert.ok(!details.some((d) => d.includes("TEMP B-TREE")), `${q.name} sorts: ${details}`);
        t.diagnostic(`${rows} rows | ${q.name}: ${details.join(" / ")}`);
      }
      // The trace tree walks events by job: the events_job index, never the whole table.
      const events = plan(db, DASHBOARD_SQL.eventsOf, ["job-5", 200]);
      const count = plan(db, DASHBOARD_SQL.eventCount, ["job-5"]);
      assert.ok(
        count.some((d) => /INDEX events_job\b/.test(d)),
        `dashboard event count of a job: ${JSON.stringify(count)}`,
      );
      assert.ok(
        events.some((d) => /INDEX events_job\b/.test(d)),
        `dashboard events of a job: ${JSON.stringify(events)}`,
      );
      assert.ok(!events.some((d) => d.includes("TEMP B-TREE")), `events of a job sorts: ${events}`);
      db.close();
      t.diagnostic(`${rows} rows | statements only: ${statementCost(file)}`);

      // Each op is its own durable transaction, as in the daemon (fsync included).
      const clock = new FakeClock(Date.parse(NOW));
      const store = openStore(dir, { clock });
      const n = 300;
      const enqueueUs = microsPerOp(n, (i) =>
        store.enqueueJob(
          {
            plugin: "p1",
            command: "poll",
            payload: {},
            submittedBy: "cli",
            dedupeKey: `new-${i}`,
            maxAttempts: 4,
          },
          { dedupeTtlMs: 86_400_000 },
        ),
      );
      const claimUs = microsPerOp(n, () => store.claimNextReadyJob(clock.now()));
      store.close();
      t.diagnostic(`${rows} rows | enqueue ${enqueueUs.toFixed(0)} µs/op, claim ${claimUs.toFixed(0)} µs/op`);
    });
  }
});
