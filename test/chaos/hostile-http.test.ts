import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { it } from "node:test";
import { runHostileHttp } from "./hostile-http.js";

it("hostile HTTP (quick): every bad request gets its code, valid webhooks keep getting 202, nothing hostile is enqueued", async () => {
  const seed = Number(process.env.POSTERN_CHAOS_SEED ?? Date.now() % 100_000);
  const report = await runHostileHttp({ seconds: 4, seed, volume: 0.5 });
  const context = `seed ${seed} (replay: POSTERN_CHAOS_SEED=${seed}), state in ${report.dir}`;
  assert.deepEqual(report.problems, [], context);
  for (const c of report.categories) assert.ok(c.sent > 0, `${c.name}: sent`);
  assert.equal(report.jobsInDb, report.valid.accepted, "jobs in the database = valid 202s");
  assert.ok(report.valid.ok > 0);
  assert.ok(report.healthz.ok > 0);
  assert.equal(report.integrity, "ok");
  rmSync(report.dir, { recursive: true, force: true });
});
