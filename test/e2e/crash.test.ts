import assert from "node:assert/strict";
import { it } from "node:test";
import { runCrashTest } from "../chaos/crash.js";

it("crash test (quick): SIGKILL at random moments loses nothing accepted", async () => {
  const seed = Number(process.env.POSTERN_CRASH_SEED ?? Date.now() % 100_000);
  const report = await runCrashTest({ rounds: 4, rootJobs: 24, seed, maxKillDelayMs: 600 });
  assert.deepEqual(report.problems, [], `seed ${seed}, state in ${report.dir}`);
  assert.equal(report.kills, 4);
  assert.equal(report.jobs, 24 * 3, "every root fanned out to two jobs");
  assert.ok(report.succeeded > 0);
});
