/**
 * A bounded file (SPEC §19): new databases reclaim space incrementally, an old one is switched
 * at start when small (warned about when large), freed pages go back in bounded steps, and the
 * WAL is truncated only when no job is queued or running.
 */
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { FakeClock } from "../../src/core/clock.js";
import type { Logger } from "../../src/log/logger.js";
import { SpaceKeeper } from "../../src/scheduler/maintenance.js";
import { openStore } from "../../src/store/index.js";
import { DAY, enqueue, fixture, tempDir } from "./helpers.js";

function recordingLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const rec = (_o: unknown, m?: string) => lines.push(typeof _o === "string" ? _o : (m ?? ""));
  const log = { debug: rec, info: rec, warn: rec, error: rec, child: () => log } as unknown as Logger;
  return { log, lines };
}

const PAYLOAD = { blob: "x".repeat(2000) };

describe("a bounded database file", () => {
  it("a new database uses incremental auto-vacuum; pruned space goes back in bounded steps", async () => {
    const f = fixture();
    assert.equal(f.store.fileSpace().auto_vacuum, "incremental");
    f.store.fillHistoryForBenchmark({
      count: 3000,
      plugin: "p",
      command: "handle",
      payload: PAYLOAD,
      endMs: f.clock.now(),
    });
    f.store.checkpointTruncate();
    const full = f.store.fileSpace();
    f.store.pruneTerminal(f.clock.now() + DAY, 500);
    assert.ok(f.store.fileSpace().freelist_count > 1000, "pruning leaves free pages inside the file");
    const { log } = recordingLog();
    const keeper = new SpaceKeeper(f.store, log, { stepPages: 16, budgetMs: 1 });
    const first = await keeper.reclaim();
    assert.ok(first > 0 && first < 1000, `one call stays within its budget (freed ${first} pages)`);
    while ((await keeper.reclaim()) > 0) {}
    assert.equal(f.store.fileSpace().freelist_count, 0);
    f.store.checkpointTruncate();
    const after = f.store.fileSpace();
    assert.ok(after.db_bytes < full.db_bytes / 4, `the file shrank: ${full.db_bytes} → ${after.db_bytes}`);
    assert.ok(keeper.stats.vacuum_steps > 1 && keeper.stats.vacuum_step_max_ms > 0);
  });

  it("the WAL is truncated when idle, not while a job is queued", () => {
    const f = fixture();
    const { log } = recordingLog();
    const keeper = new SpaceKeeper(f.store, log, { checkpointEveryMs: 0 });
    const job = enqueue(f.store, "p");
    assert.ok(f.store.fileSpace().wal_bytes > 0);
    assert.equal(keeper.checkpointIfIdle(f.clock.now()), false, "a queued job: not idle");
    assert.ok(f.store.fileSpace().wal_bytes > 0);
    f.store.cancelJob(job.id);
    assert.equal(keeper.checkpointIfIdle(f.clock.now()), true);
    assert.equal(f.store.fileSpace().wal_bytes, 0);
  });

  it("an existing database is switched at start when small, and only warned about when large", () => {
    for (const large of [false, true]) {
      const dir = tempDir();
      const file = path.join(dir, "postern.db");
      // A file made before this change: auto_vacuum none.
      const old = new Database(file);
      old.pragma("journal_mode = WAL");
      old.exec("CREATE TABLE filler (x)");
      old.close();
      const store = openStore(dir, { clock: new FakeClock() });
      try {
        assert.equal(store.fileSpace().auto_vacuum, "none");
        const { log, lines } = recordingLog();
        new SpaceKeeper(store, log, { convertMaxBytes: large ? 0 : 64 * 1024 * 1024 }).convertAtStart();
        if (large) {
          assert.equal(store.fileSpace().auto_vacuum, "none");
          assert.match(lines.join("\n"), /does not reclaim pruned space .*postern doctor --fix/);
        } else {
          assert.equal(store.fileSpace().auto_vacuum, "incremental");
          assert.match(lines.join("\n"), /switched to incremental auto-vacuum in \d+ ms/);
          assert.ok(statSync(file).size > 0);
        }
      } finally {
        store.close();
      }
    }
  });
});
