import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { FakeClock } from "../../src/core/clock.js";
import { PosternError } from "../../src/core/errors.js";
import { LATEST_VERSION, migrations, openStore, verifyWal } from "../../src/store/index.js";
import { migrate } from "../../src/store/migrations.js";
import { enqueue, tempDir } from "./helpers.js";

const clock = new FakeClock();

function pragmas(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    return {
      journal: db.pragma("journal_mode", { simple: true }),
      version: db.pragma("user_version", { simple: true }),
      tables: (
        db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
          name: string;
        }[]
      ).map((r) => r.name),
    };
  } finally {
    db.close();
  }
}

describe("openStore", () => {
  it("creates the state dir and database, in WAL mode, migrated to the latest version", () => {
    const dir = path.join(tempDir(), "nested", "state");
    const store = openStore(dir, { clock });
    store.close();
    const p = pragmas(path.join(dir, "postern.db"));
    assert.equal(p.journal, "wal");
    assert.equal(p.version, LATEST_VERSION);
    assert.deepEqual(
      p.tables.filter((t) => t !== "sqlite_sequence"),
      [
        "alert_state",
        "attempts",
        "breakers",
        "events",
        "heartbeats",
        "jobs",
        "meta",
        "pauses",
        "plugin_state",
        "plugin_counters",
        "schedules",
        "system_events",
        "why_ledger",
      ].sort(),
    );
  });

  it("reopens idempotently and keeps the data", () => {
    const dir = tempDir();
    const first = openStore(dir, { clock });
    const job = enqueue(first, "a");
    first.close();
    const second = openStore(dir, { clock });
    assert.deepEqual(second.getJob(job.id), job);
    second.close();
    assert.equal(pragmas(path.join(dir, "postern.db")).version, LATEST_VERSION);
  });

  it("applies only pending migrations, each once", () => {
    const db = new Database(":memory:");
    const extra = [
      ...migrations,
      { version: LATEST_VERSION + 1, name: "extra", sql: "CREATE TABLE extra (x);" },
    ];
    assert.deepEqual(
      migrate(db, "mem", migrations),
      migrations.map((m) => m.version),
    );
    assert.deepEqual(migrate(db, "mem", extra), [LATEST_VERSION + 1]);
    assert.deepEqual(migrate(db, "mem", extra), []);
    db.close();
  });

  it("refuses a database written by a newer Postern", () => {
    const dir = tempDir();
    openStore(dir, { clock }).close();
    const db = new Database(path.join(dir, "postern.db"));
    db.pragma(`user_version = ${LATEST_VERSION + 1}`);
    db.close();
    assert.throws(
      () => openStore(dir, { clock }),
      (e: unknown) => e instanceof PosternError && e.code === "db_too_new" && /newer Postern/.test(e.message),
    );
  });

  it("verifies WAL took effect and explains what to do when it did not", () => {
    const db = new Database(":memory:");
    assert.throws(
      () => verifyWal(db, "/mnt/nfs/postern.db"),
      (e: unknown) =>
        e instanceof PosternError &&
        e.code === "wal_unavailable" &&
        e.message.includes("/mnt/nfs/postern.db") &&
        /local/.test(e.message),
    );
    db.close();
  });

  it("fails with a clear error when the state dir cannot be created", () => {
    const file = path.join(tempDir(), "a-file");
    fs.writeFileSync(file, "");
    assert.throws(
      () => openStore(path.join(file, "state"), { clock }),
      (e: unknown) => e instanceof PosternError && e.code === "db_open_failed" && e.message.includes(file),
    );
  });

  it("opens read-only beside a writer and sees its commits (data_version moves)", () => {
    const dir = tempDir();
    const writer = openStore(dir, { clock });
    const reader = openStore(dir, { clock, readonly: true });
    const before = reader.dataVersion();
    const job = enqueue(writer, "a");
    assert.notEqual(reader.dataVersion(), before);
    assert.equal(reader.getJob(job.id)?.id, job.id);
    assert.throws(() => enqueue(reader, "a"));
    reader.close();
    writer.close();
  });

  it("read-only open of a missing database is a clear error, and creates nothing", () => {
    const dir = tempDir();
    assert.throws(
      () => openStore(dir, { clock, readonly: true }),
      (e: unknown) => e instanceof PosternError && e.code === "db_missing",
    );
    assert.equal(fs.existsSync(path.join(dir, "postern.db")), false);
  });
});
