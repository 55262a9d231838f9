/**
 * `postern jobs retry --status dead ...` against the real daemon (SPEC §19): after a simulated
 * outage (a plugin that fails until a gate file exists) one command retries what died, in one
 * transaction; a dry run changes nothing; no filter is refused; a bad --since is a usage error.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { DaemonProcess } from "../helpers/daemon.js";
import { cliAsync, enqueue, listJobs, opsEnv, showJob, startDaemon } from "./helpers.js";

const running: DaemonProcess[] = [];
after(async () => {
  await Promise.all(running.map((d) => d.stop()));
});

interface BulkJson {
  dry_run: boolean;
  count: number;
  retried: { dead_job_id: string; job_id: string | null; plugin: string }[];
  skipped: { dead_job_id: string; reason: string }[];
}

async function retry(config: string, args: string[]): Promise<BulkJson> {
  const r = await cliAsync(["jobs", "retry", "--config", config, "--json", ...args]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as BulkJson;
}

describe("postern jobs retry --status dead", () => {
  it("retries what died in an outage, once, after a dry run; refuses unlimited and bad --since", async () => {
    const env = opsEnv();
    const gate = join(env.dir, "upstream-up");
    env.write(`plugins:
  scripted:
    config: { script: { fail_unless_file: ${gate} } }
    retry: { max_attempts: 1 }
  scripted-b:
    config: { script: { fail_unless_file: ${gate} } }
    retry: { max_attempts: 1 }
`);
    const { daemon } = await startDaemon(env);
    running.push(daemon);
    const dead: string[] = [];
    for (let i = 0; i < 3; i++) dead.push(await enqueue(env.file, "scripted"));
    const otherDead = await enqueue(env.file, "scripted-b");
    for (const id of [...dead, otherDead]) await daemon.waitForJob(id, "dead");

    const noFilter = await cliAsync(["jobs", "retry", "--status", "dead", "--config", env.file]);
    assert.equal(noFilter.status, 2);
    assert.match(noFilter.stderr, /refusing to retry every dead job without a filter: add --plugin/);
    const badSince = await cliAsync([
      "jobs",
      "retry",
      "--status",
      "dead",
      "--since",
      "yesterday",
      "--config",
      env.file,
    ]);
    assert.equal(badSince.status, 2);
    assert.match(
      badSince.stderr,
      /--since "yesterday" is not understood; use a duration .*2h.* or an ISO 8601 time/,
    );
    const notDead = await cliAsync(["jobs", "retry", "--status", "queued", "--all", "--config", env.file]);
    assert.equal(notDead.status, 2);
    const noId = await cliAsync(["jobs", "retry", "--config", env.file]);
    assert.equal(noId.status, 2);
    assert.match(noId.stderr, /needs a job id, or --status dead/);

    const before = (await listJobs(env.file, "scripted")).length;
    const dry = await retry(env.file, ["--status", "dead", "--plugin", "scripted", "--dry-run"]);
    assert.equal(dry.dry_run, true);
    assert.equal(dry.count, 3);
    assert.deepEqual(dry.retried.map((r) => r.dead_job_id).sort(), [...dead].sort());
    assert.ok(dry.retried.every((r) => r.job_id === null));
    assert.equal((await listJobs(env.file, "scripted")).length, before, "a dry run changes nothing");
    const dryHuman = await cliAsync([
      "jobs",
      "retry",
      "--status",
      "dead",
      "--plugin",
      "scripted",
      "--dry-run",
      "--config",
      env.file,
    ]);
    assert.match(
      dryHuman.stdout,
      /^would retry 3 dead jobs \(plugin scripted\) \(dry run: nothing changed\):/,
    );

    // The outage ends.
    writeFileSync(gate, "");
    const done = await retry(env.file, ["--status", "dead", "--plugin", "scripted", "--since", "1h"]);
    assert.equal(done.count, 3);
    for (const r of done.retried) {
      assert.ok(r.job_id);
      await daemon.waitForJob(r.job_id, "succeeded");
      const job = (await showJob(env.file, r.job_id)) as unknown as {
        parent_job_id: string;
        submitted_by: string;
      };
      assert.equal(job.parent_job_id, r.dead_job_id);
      assert.equal(job.submitted_by, "cli");
    }
    assert.equal(
      (await showJob(env.file, otherDead)).status,
      "dead",
      "another plugin's dead job is left alone",
    );

    const twice = await retry(env.file, ["--status", "dead", "--plugin", "scripted"]);
    assert.equal(twice.count, 0);
    assert.deepEqual(
      twice.skipped.map((s) => s.reason),
      ["already retried", "already retried", "already retried"],
    );
    const human = await cliAsync([
      "jobs",
      "retry",
      "--status",
      "dead",
      "--since",
      "2026-01-01T00:00:00Z",
      "--config",
      env.file,
    ]);
    assert.equal(human.status, 0);
    assert.match(
      human.stdout,
      /^retried 1 dead job \(since 2026-01-01T00:00:00Z\):\n {2}\S+ -> \S+ {2}scripted-b poll/,
    );
  });
});
