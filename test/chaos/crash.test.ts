import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { it } from "node:test";
import { runCrashTest } from "./crash.js";

it("crash test (quick): SIGKILL at random moments, webhooks arriving, loses nothing accepted", async () => {
  const seed = Number(process.env.POSTERN_CRASH_SEED ?? Date.now() % 100_000);
  const report = await runCrashTest({
    rounds: 4,
    rootJobs: 24,
    seed,
    maxKillDelayMs: 600,
    webhooksPerSecond: 15,
  });
  const context = `seed ${seed} (replay: POSTERN_CRASH_SEED=${seed}), state in ${report.dir}`;
  assert.deepEqual(report.problems, [], context);
  assert.equal(report.kills, 4);
  const w = report.webhooks;
  assert.ok(w.deliveries > 0, "the sender posted webhooks during the rounds");
  assert.equal(w.accepted + w.duplicateAnswers, w.deliveries, context);
  assert.equal(w.lost, 0);
  assert.ok(w.jobs >= w.accepted, "every accepted delivery has its job");
  assert.equal(report.jobs, (24 + w.jobs) * 3, "every root and every webhook job fanned out to two jobs");
  assert.ok(report.succeeded > 0);
  rmSync(report.dir, { recursive: true, force: true });
});
