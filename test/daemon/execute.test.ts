import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { it } from "node:test";
import { v7 as uuidv7 } from "uuid";
import { FakeClock, sequenceRandom } from "../../src/core/clock.js";
import { executeJob } from "../../src/daemon/execute.js";
import { loadRuntime } from "../../src/daemon/runtime.js";
import { createLogger } from "../../src/log/logger.js";
import { openStore } from "../../src/store/index.js";
import { fixturePluginsDir } from "../helpers/paths.js";

it("an attempt's log lines are written after the job claimed in its commit has started and its spawn is recorded; the last attempt's before executeJob resolves", async () => {
  const dir = mkdtempSync(join(tmpdir(), "postern-execute-"));
  const configFile = join(dir, "postern.yaml");
  writeFileSync(configFile, `plugins_dir: ${fixturePluginsDir}\nplugins:\n  ok: {}\n`);
  const runtime = loadRuntime(configFile, process.env);
  const clock = new FakeClock();
  const store = openStore(join(dir, "data"), { clock });
  // The spawn records the store took, and each written line with whether the second job's was among them.
  const recorded = new Set<string>();
  const recordSpawn = store.recordSpawn.bind(store);
  store.recordSpawn = (jobId, pgid, startTime) => {
    recordSpawn(jobId, pgid, startTime);
    recorded.add(jobId);
  };
  const lines: { message: string; jobId: string; secondStarted: boolean }[] = [];
  let secondId = "";
  const destination = new Writable({
    write: (chunk, _e, cb) => {
      const line = JSON.parse(String(chunk)) as { message: string; job_id: string };
      lines.push({ message: line.message, jobId: line.job_id, secondStarted: recorded.has(secondId) });
      cb();
    },
  });
  try {
    const enqueue = () => {
      const r = store.enqueueJob(
        { plugin: "ok", command: "poll", payload: null, submittedBy: "cli", maxAttempts: 1 },
        { dedupeTtlMs: 0 },
      );
      assert.ok("job" in r);
      return r.job.id;
    };
    const firstId = enqueue();
    secondId = enqueue();
    const deps = {
      store,
      clock,
      random: sequenceRandom([0.5]),
      log: createLogger({ level: "info", destination }),
      env: process.env,
      runLimits: {},
      newId: uuidv7,
      abort: new AbortController().signal,
      runtime: () => runtime,
      nextClaim: () => ({ nowMs: clock.now(), excludePlugins: [] }),
    };
    const first = store.claimNextReadyJob(clock.now());
    assert.equal(first?.id, firstId);
    const next = await executeJob(deps, first, () => true);
    assert.equal(next?.id, secondId, "the second job was claimed in the first one's commit");
    assert.equal(store.getJob(firstId)?.status, "succeeded", "committed before anything is logged");
    assert.deepEqual(
      lines.filter((l) => l.jobId === firstId),
      [],
      "with a job claimed ahead, nothing of the attempt is logged before the next one starts",
    );

    const last = await executeJob(deps, next, () => false);
    assert.equal(last, null);
    const firstLines = lines.filter((l) => l.jobId === firstId);
    assert.ok(
      firstLines.some((l) => /^attempt 1 of 1 succeeded/.test(l.message)),
      "the first attempt's summary line is written after all",
    );
    assert.ok(
      firstLines.some((l) => l.message === "hello"),
      "and the plugin's own log line",
    );
    for (const l of firstLines)
      assert.ok(l.secondStarted, `"${l.message}" was written after the next job's spawn was recorded`);
    assert.ok(
      lines.some((l) => l.jobId === secondId && /^attempt 1 of 1 succeeded/.test(l.message)),
      "with nothing claimed ahead, the attempt is logged before executeJob resolves",
    );
  } finally {
    store.close();
  }
});
