/**
 * Numbered, forward-only schema migrations tracked with `PRAGMA user_version`. A released
 * migration is never edited: a schema change is a new entry at the end of the list.
 */
import type { Database } from "better-sqlite3";
import { PosternError } from "../core/errors.js";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const TIMESTAMP = "TEXT"; // ISO 8601 UTC with ms: sorts and compares as text.

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: "jobs, attempts, events, state, breakers, counters",
    sql: `
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;

      -- seq is the enqueue order (FIFO). AUTOINCREMENT so a pruned tail is never reused:
      -- log followers and FIFO both rely on seq only ever growing.
      CREATE TABLE jobs (
        seq             INTEGER PRIMARY KEY AUTOINCREMENT,
        id              TEXT NOT NULL UNIQUE,
        plugin          TEXT NOT NULL,
        command         TEXT NOT NULL,
        payload         TEXT NOT NULL,
        status          TEXT NOT NULL CHECK (status IN ('queued','running','succeeded','dead')),
        attempt         INTEGER NOT NULL CHECK (attempt >= 1),
        max_attempts    INTEGER NOT NULL CHECK (max_attempts >= 1),
        submitted_by    TEXT NOT NULL CHECK (submitted_by IN ('scheduler','webhook','route','cli')),
        dedupe_key      TEXT,
        created_at      ${TIMESTAMP} NOT NULL,
        started_at      ${TIMESTAMP},
        completed_at    ${TIMESTAMP},
        next_retry_at   ${TIMESTAMP},
        last_error      TEXT,
        -- No foreign keys on lineage: retention may prune a parent before its children, and a
        -- webhook's source event has no row of its own.
        parent_job_id   TEXT,
        source_event_id TEXT,
        route_depth     INTEGER NOT NULL DEFAULT 0,
        pgid            INTEGER,
        proc_start_time TEXT
      );
      CREATE INDEX jobs_status_seq ON jobs (status, seq);
      -- Claim reads two tiny ranges, so retries waiting for their time are never walked over:
      -- fresh jobs in FIFO order, and retries by due time.
      CREATE INDEX jobs_ready_fresh ON jobs (seq) WHERE status = 'queued' AND next_retry_at IS NULL;
      CREATE INDEX jobs_ready_retry ON jobs (next_retry_at, seq)
        WHERE status = 'queued' AND next_retry_at IS NOT NULL;
      CREATE INDEX jobs_plugin_seq ON jobs (plugin, seq);
      CREATE INDEX jobs_outstanding ON jobs (plugin, command) WHERE status IN ('queued','running');
      CREATE INDEX jobs_dedupe ON jobs (plugin, command, dedupe_key, completed_at)
        WHERE status = 'succeeded' AND dedupe_key IS NOT NULL;
      CREATE INDEX jobs_terminal ON jobs (completed_at) WHERE status IN ('succeeded','dead');

      CREATE TABLE attempts (
        seq                  INTEGER PRIMARY KEY AUTOINCREMENT,
        job_id               TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        plugin               TEXT NOT NULL,
        command              TEXT NOT NULL,
        attempt              INTEGER NOT NULL,
        status               TEXT NOT NULL CHECK (status IN ('succeeded','failed','timed_out')),
        started_at           ${TIMESTAMP},
        completed_at         ${TIMESTAMP} NOT NULL,
        duration_ms          INTEGER,
        exit_code            INTEGER,
        signal               TEXT,
        error                TEXT,
        retryable            INTEGER,
        stderr               TEXT NOT NULL DEFAULT '',
        stderr_truncated     INTEGER NOT NULL DEFAULT 0,
        stderr_bytes_dropped INTEGER NOT NULL DEFAULT 0,
        stdout               TEXT,
        logs                 TEXT NOT NULL DEFAULT '[]',
        UNIQUE (job_id, attempt)
      );
      CREATE INDEX attempts_plugin_seq ON attempts (plugin, seq);

      CREATE TABLE events (
        event_id   TEXT PRIMARY KEY,
        job_id     TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        position   INTEGER NOT NULL,
        type       TEXT NOT NULL,
        payload    TEXT NOT NULL,
        dedupe_key TEXT,
        created_at ${TIMESTAMP} NOT NULL,
        dropped    TEXT,
        -- [{to, job_id, duplicate_of, dropped}] in config order: written once, read whole.
        routes     TEXT NOT NULL DEFAULT '[]'
      ) WITHOUT ROWID;
      CREATE INDEX events_job ON events (job_id, position);

      CREATE TABLE plugin_state (
        plugin     TEXT PRIMARY KEY,
        state      TEXT NOT NULL,
        updated_at ${TIMESTAMP} NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE breakers (
        plugin     TEXT NOT NULL,
        command    TEXT NOT NULL,
        failures   INTEGER NOT NULL DEFAULT 0,
        state      TEXT NOT NULL DEFAULT 'closed' CHECK (state IN ('closed','open','half_open')),
        opened_at  ${TIMESTAMP},
        updated_at ${TIMESTAMP} NOT NULL,
        PRIMARY KEY (plugin, command)
      ) WITHOUT ROWID;

      CREATE TABLE plugin_counters (
        plugin      TEXT PRIMARY KEY,
        dedupe_hits INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: "scheduler: run plans, breaker outcome times and reasons",
    sql: `
      -- One plan per scheduled plugin: the drawn offset and planned time are stored, so a
      -- restart neither reshuffles nor repeats a run. config_hash says which schedule made it.
      CREATE TABLE schedules (
        plugin      TEXT PRIMARY KEY,
        config_hash TEXT NOT NULL,
        anchor_at   ${TIMESTAMP},          -- the success it counts from; NULL: first run
        offset_ms   INTEGER NOT NULL,
        base_at     ${TIMESTAMP} NOT NULL, -- before the preferred window moved it
        next_run_at ${TIMESTAMP} NOT NULL,
        run_job_id  TEXT,                  -- the poll enqueued for this plan
        polls       INTEGER NOT NULL DEFAULT 0, -- polls enqueued for it (more than 1: reruns)
        skip_kind   TEXT,                  -- why a due run was not enqueued (shown by status)
        skip_reason TEXT,
        skipped_at  ${TIMESTAMP},
        updated_at  ${TIMESTAMP} NOT NULL
      ) WITHOUT ROWID;

      -- Written in the attempt's commit: the scheduler counts the next run from last_success_at
      -- without scanning jobs (retention may have pruned them anyway).
      ALTER TABLE breakers ADD COLUMN last_success_at ${TIMESTAMP};
      ALTER TABLE breakers ADD COLUMN last_failure_at ${TIMESTAMP};
      ALTER TABLE breakers ADD COLUMN reason TEXT;
    `,
  },
  {
    version: 3,
    name: "dedupe: keys of queued and running jobs",
    sql: `
      -- docs/jobs.md, "Dedupe" (V1.1): a key held by a queued or running job is a dedupe hit too. Without
      -- this index the lookup would walk every outstanding job of the plugin and command.
      CREATE INDEX jobs_dedupe_outstanding ON jobs (plugin, command, dedupe_key)
        WHERE status IN ('queued','running') AND dedupe_key IS NOT NULL;
    `,
  },
  {
    version: 4,
    name: "maintenance: paused plugins and commands, retries by parent",
    sql: `
      -- postern pause (docs/operations.md). command '' pauses the whole plugin. The daemon reads this
      -- table when another process commits (data_version), so a pause applies without reload.
      CREATE TABLE pauses (
        plugin    TEXT NOT NULL,
        command   TEXT NOT NULL DEFAULT '',
        paused_at ${TIMESTAMP} NOT NULL,
        PRIMARY KEY (plugin, command)
      ) WITHOUT ROWID;

      -- Bulk retry (jobs retry --status dead) skips a dead job that already has its retry.
      CREATE INDEX jobs_parent ON jobs (parent_job_id) WHERE parent_job_id IS NOT NULL;
    `,
  },
  {
    version: 5,
    name: "system events and their coalescing state",
    sql: `
      -- docs/operations.md: one row per (type, plugin, command): when the last event went out and what
      -- accumulated since (JSON, null when nothing is pending). due_at: when the pending part
      -- may be flushed, so the tick reads only the rows that have something to send.
      CREATE TABLE alert_state (
        type         TEXT NOT NULL,
        plugin       TEXT NOT NULL,
        command      TEXT NOT NULL,
        last_sent_at ${TIMESTAMP},
        pending      TEXT,
        due_at       ${TIMESTAMP},
        PRIMARY KEY (type, plugin, command)
      ) WITHOUT ROWID;
      CREATE INDEX alert_state_due ON alert_state (due_at) WHERE due_at IS NOT NULL;

      -- Every system event sent, with its routes; pruned with the job log.
      CREATE TABLE system_events (
        seq          INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id     TEXT NOT NULL UNIQUE,
        type         TEXT NOT NULL,
        plugin       TEXT NOT NULL,
        command      TEXT NOT NULL,
        payload      TEXT NOT NULL,
        cause_job_id TEXT,
        created_at   ${TIMESTAMP} NOT NULL,
        routes       TEXT NOT NULL DEFAULT '[]'
      );
      CREATE INDEX system_events_plugin ON system_events (plugin, seq);
      CREATE INDEX system_events_created ON system_events (created_at);
    `,
  },
  {
    version: 6,
    name: "heartbeats",
    sql: `
      -- docs/operations.md: per plugin and kind ('success' | 'event'); started_at is the clock's start
      -- (first load), last_at the last success or event seen, missed_at set while missed.
      CREATE TABLE heartbeats (
        plugin     TEXT NOT NULL,
        kind       TEXT NOT NULL CHECK (kind IN ('success','event')),
        started_at ${TIMESTAMP} NOT NULL,
        last_at    ${TIMESTAMP},
        missed_at  ${TIMESTAMP},
        PRIMARY KEY (plugin, kind)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 7,
    name: "the why-ledger",
    sql: `
      -- docs/operations.md: due polls not enqueued, coalesced per plugin into runs of the same kind;
      -- at most 1,000 rows per plugin, pruned with the job log.
      CREATE TABLE why_ledger (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        plugin   TEXT NOT NULL,
        kind     TEXT NOT NULL,
        reason   TEXT NOT NULL,
        count    INTEGER NOT NULL CHECK (count >= 1),
        first_at ${TIMESTAMP} NOT NULL,
        last_at  ${TIMESTAMP} NOT NULL
      );
      CREATE INDEX why_ledger_plugin ON why_ledger (plugin, id);
      CREATE INDEX why_ledger_last ON why_ledger (last_at);
    `,
  },
];

export const LATEST_VERSION = migrations.at(-1)?.version ?? 0;

function userVersion(db: Database): number {
  return db.pragma("user_version", { simple: true }) as number;
}

/** Refuses a database written by a newer Postern: downgrading it silently would corrupt it. */
export function checkNotNewer(db: Database, file: string): number {
  const version = userVersion(db);
  if (version > LATEST_VERSION) {
    throw new PosternError(
      "db_too_new",
      `${file} has schema version ${version}, but this Postern only knows up to ${LATEST_VERSION}; ` +
        "run a newer Postern (or restore a backup made by this version)",
    );
  }
  return version;
}

/** Applies pending migrations, one transaction each; returns the versions applied. */
export function migrate(db: Database, file: string, list: readonly Migration[] = migrations): number[] {
  const applied: number[] = [];
  // Up to date: no transaction at all, so opening never needs the write lock for nothing.
  if (userVersion(db) >= (list.at(-1)?.version ?? 0)) return applied;
  for (const m of list) {
    // IMMEDIATE + re-read: another process (the CLI beside the daemon) may migrate first.
    const step = db.transaction(() => {
      const current = userVersion(db);
      if (current >= m.version) return false;
      if (current !== m.version - 1) {
        throw new PosternError(
          "db_migration_gap",
          `${file} is at schema version ${current}, cannot apply migration ${m.version} (${m.name})`,
        );
      }
      db.exec(m.sql);
      // PRAGMA cannot take a bound parameter; the version is our own integer.
      db.pragma(`user_version = ${Math.trunc(m.version)}`);
      return true;
    });
    if (step.immediate()) applied.push(m.version);
  }
  return applied;
}
