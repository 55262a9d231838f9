import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { it } from "node:test";
import { v7 as uuidv7 } from "uuid";
import { FakeClock, sequenceRandom } from "../../src/core/clock.js";
import { recordInternalFailure } from "../../src/daemon/internal-failure.js";
import { loadRuntime } from "../../src/daemon/runtime.js";
import { createLogger } from "../../src/log/logger.js";
import { openStore } from "../../src/store/index.js";
import { fixturePluginsDir } from "../helpers/paths.js";

it("a failure of the core around an attempt is recorded as a retryable failed attempt, never left running", () => {
  const dir = mkdtempSync(join(tmpdir(), "postern-internal-"));
  const configFile = join(dir, "postern.yaml");
  writeFileSync(
    configFile,
    `plugins_dir: ${fixturePluginsDir}\nplugins:\n  ok: { retry: { max_attempts: 2, backoff_base: 1s } }\n`,
  );
  const runtime = loadRuntime(configFile, process.env);
  const clock = new FakeClock();
  const store = openStore(join(dir, "data"), { clock });
  try {
    store.enqueueJob(
      { plugin: "ok", command: "poll", payload: null, submittedBy: "cli", maxAttempts: 2 },
      { dedupeTtlMs: 0 },
    );
    const deps = {
      store,
      clock,
      random: sequenceRandom([0.5]),
      log: createLogger({ level: "error", destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
      env: {},
      runLimits: {},
      newId: uuidv7,
      abort: new AbortController().signal,
      runtime: () => runtime,
    };
    const first = store.claimNextReadyJob(clock.now());
    assert.ok(first);
    recordInternalFailure(deps, first, new Error("SQLITE_FULL: database or disk is full"));
    const queued = store.jobDetail(first.id);
    assert.equal(queued?.status, "queued");
    assert.equal(queued?.attempt, 2);
    assert.equal(queued?.next_retry_at, new Date(clock.now() + 1000 + 500).toISOString());
    assert.match(queued?.attempts[0]?.error ?? "", /internal error of the core: SQLITE_FULL/);

    clock.advance(2000);
    const second = store.claimNextReadyJob(clock.now());
    assert.ok(second);
    recordInternalFailure(deps, second, new Error("still full"));
    assert.equal(store.getJob(first.id)?.status, "dead", "a persistent core failure ends dead, not running");
  } finally {
    store.close();
  }
});
