/** Job ids on the command line (SPEC §13): the full id or a unique prefix of at least 8 characters. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { systemClock } from "../../src/core/clock.js";
import { openStore } from "../../src/store/index.js";
import { cli, cliJson } from "../helpers/cli.js";
import { setup } from "./operator-fixture.js";

// Two ids sharing their first 13 characters, one apart from them from the 9th character on.
const A = "0193aaaa-bbbb-7000-8000-000000000001";
const B = "0193aaaa-bbbb-7000-8000-000000000002";
const C = "0193aaaa-cccc-7000-8000-000000000003";

function withJobs() {
  const s = setup();
  const ids = [A, B, C];
  const store = openStore(s.stateDir, { clock: systemClock, newId: () => ids.shift() as string });
  try {
    for (let i = 0; i < 3; i += 1) {
      store.enqueueJob(
        { plugin: "ok", command: "poll", payload: null, submittedBy: "cli", maxAttempts: 4 },
        { dedupeTtlMs: 1000 },
      );
    }
  } finally {
    store.close();
  }
  return s;
}

describe("job id prefixes", () => {
  it("jobs show takes a unique prefix of 8 or more characters, in any case", () => {
    const s = withJobs();
    const r = cliJson<{ id: string }>(["jobs", "show", "0193AAAA-C", "--config", s.file]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.json.id, C);
    const full = cliJson<{ id: string }>(["jobs", "show", A, "--config", s.file]);
    assert.equal(full.json.id, A);
  });

  it("an ambiguous prefix lists the candidates and exits 1", () => {
    const s = withJobs();
    const r = cli(["jobs", "show", "0193aaaa", "--config", s.file]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /job id prefix 0193aaaa is ambiguous: 3 jobs start with it; give more characters/);
    for (const id of [A, B, C]) assert.ok(r.stderr.includes(`  ${id}  ok poll, queued`), r.stderr);
    const two = cli(["jobs", "cancel", "0193aaaa-bbbb", "--config", s.file]);
    assert.equal(two.status, 1);
    assert.match(two.stderr, /ambiguous: 2 jobs/);
    assert.doesNotMatch(two.stderr, new RegExp(C));
  });

  it("shorter than 8 characters, not hex, or matching nothing: exit 1 with what to give", () => {
    const s = withJobs();
    const short = cli(["jobs", "show", "0193aaa", "--config", s.file]);
    assert.equal(short.status, 1);
    assert.match(short.stderr, /"0193aaa" is too short to name a job: give its full id or at least 8/);
    const bad = cli(["jobs", "show", "zzzzzzzzzz", "--config", s.file]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /is not a job id/);
    const none = cli(["jobs", "show", "0193aaab", "--config", s.file]);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /no job 0193aaab \(no job id starts with it\)/);
    // 0193aaaa-bbbb-... < "0193aaab": the range's upper bound excludes the next prefix only.
    const edge = cliJson<{ id: string }>([
      "jobs",
      "show",
      "0193aaaa-cccc-7000-8000-00000000000",
      "--config",
      s.file,
    ]);
    assert.equal(edge.json.id, C);
  });

  it("jobs cancel and retry act on the job a prefix names", () => {
    const s = withJobs();
    const cancelled = cliJson<{ id: string; status: string }>([
      "jobs",
      "cancel",
      "0193aaaa-cc",
      "--config",
      s.file,
    ]);
    assert.equal(cancelled.status, 0, cancelled.stderr);
    assert.equal(cancelled.json.id, C);
    assert.equal(cancelled.json.status, "dead");
    const retried = cliJson<{ parent_job_id: string }>(["jobs", "retry", "0193aaaa-cc", "--config", s.file]);
    assert.equal(retried.status, 0, retried.stderr);
    assert.equal(retried.json.parent_job_id, C);
    assert.match(retried.stderr, new RegExp(`as a retry of dead job ${C}`));
  });
});
