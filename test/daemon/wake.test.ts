/**
 * SPEC §6.2: a job from an in-process producer starts without polling delay. The daemon's look
 * for work from other processes is set ten minutes out, so a job that waited for any poll would
 * not start within the test's time: each one starting proves the wake. The overhead over a bare
 * spawn of the same plugin is printed for the record; its target (< 5 ms plus spawn time) is
 * held by the benchmark (npm run bench, latency), not by a timed test on a shared machine.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { it } from "node:test";
import { Daemon } from "../../src/daemon/daemon.js";
import { createLogger } from "../../src/log/logger.js";
import { fixturePluginsDir } from "../helpers/paths.js";

const ROUNDS = 7;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const stamps = (file: string) =>
  readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((ns) => Number(BigInt(ns) / 1000n) / 1000);

it("a job submitted to an idle daemon starts within a few ms of a bare spawn", async () => {
  const dir = mkdtempSync(join(tmpdir(), "postern-wake-"));
  const stampFile = join(dir, "stamps");
  writeFileSync(stampFile, "");
  const configFile = join(dir, "postern.yaml");
  writeFileSync(
    configFile,
    `service: { state_dir: ./data }\nwebhooks: { listen: "127.0.0.1:0" }\nplugins_dir: ${fixturePluginsDir}\nplugins:\n  stamp:\n    env: { STAMP_FILE: ${stampFile} }\n`,
  );
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const daemon = new Daemon({
    configFile,
    env: process.env,
    externalCheckIntervalMs: 600_000,
    createLog: (level) => createLogger({ level, destination: sink }),
  });
  await daemon.start();
  const overheads: number[] = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      // Baseline: the same plugin spawned bare.
      const t0 = performance.timeOrigin + performance.now();
      const bare = spawn(join(fixturePluginsDir, "stamp", "run"), [], {
        env: { STAMP_FILE: stampFile, PATH: process.env.PATH },
      });
      bare.stdin.end("{}");
      bare.stdout.resume();
      await once(bare, "exit");
      const bareLatency = (stamps(stampFile).at(-1) as number) - t0;

      // Through the daemon: submit from an in-process producer to an idle dispatcher.
      const t1 = performance.timeOrigin + performance.now();
      const result = daemon.submit({
        plugin: "stamp",
        command: "poll",
        payload: null,
        submittedBy: "scheduler",
        maxAttempts: 1,
      });
      assert.ok("job" in result);
      await waitForStampCount(stampFile, 2 * (i + 1));
      const daemonLatency = (stamps(stampFile).at(-1) as number) - t1;
      overheads.push(daemonLatency - bareLatency);
      await daemon.idle();
    }
  } finally {
    await daemon.stop("test over");
  }
  const overhead = median(overheads);
  process.stdout.write(`# dispatch overhead over a bare spawn: median ${overhead.toFixed(1)} ms\n`);
  assert.equal(overheads.length, ROUNDS, "every submitted job started without waiting for a poll");
});

async function waitForStampCount(file: string, n: number): Promise<void> {
  const { watch } = await import("node:fs");
  if (stamps(file).length >= n) return;
  const watcher = watch(file);
  try {
    await new Promise<void>((resolve, reject) => {
      // Far below the ten-minute poll, far above any start on a loaded machine.
      const timer = setTimeout(
        () => reject(new Error(`the job did not start within 15 s (${n} stamps expected)`)),
        15_000,
      );
      const check = () => {
        if (stamps(file).length < n) return;
        clearTimeout(timer);
        resolve();
      };
      watcher.on("change", check);
      check();
    });
  } finally {
    watcher.close();
  }
}
