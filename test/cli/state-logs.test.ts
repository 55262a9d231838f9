/** `postern state`, `postern logs`, and every read command on a state_dir with no database. */
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { cli, cliJson } from "../helpers/cli.js";
import { enqueue, failed, finishNext, ok, setup } from "./operator-fixture.js";

describe("postern state", () => {
  it("set replaces the whole state; get prints it (pretty, or compact with --json)", () => {
    const s = setup();
    assert.equal(cli(["state", "set", "ok", '{"cursor":"a","n":1}', "--config", s.file]).status, 0);
    const set = cli(["state", "set", "ok", '{"cursor":"b","__proto__":{"x":1}}', "--config", s.file]);
    assert.equal(set.status, 0, set.stderr);
    assert.match(set.stdout, /replaced the state of ok/);
    const got = cliJson<Record<string, unknown>>(["state", "get", "ok", "--config", s.file]);
    assert.equal(got.status, 0);
    assert.deepEqual(Object.keys(got.json), ["cursor", "__proto__"], "replaced, not merged; keys are data");
    const human = cli(["state", "get", "ok", "--config", s.file]);
    assert.equal(human.stdout, `{\n  "cursor": "b",\n  "__proto__": {\n    "x": 1\n  }\n}\n`);
  });

  it("set from @file works; a non-object is refused, and so is more than 1 MB", () => {
    const s = setup();
    const dir = join(s.stateDir, "..");
    writeFileSync(join(dir, "state.json"), '{"from":"file"}');
    assert.equal(cli(["state", "set", "ok", `@${join(dir, "state.json")}`, "--config", s.file]).status, 0);
    for (const bad of ["[1,2]", "42", "null", '"x"', "{nope"]) {
      const r = cli(["state", "set", "ok", bad, "--config", s.file]);
      assert.equal(r.status, 2, bad);
      assert.match(r.stderr, /JSON object|not valid JSON/, bad);
    }
    writeFileSync(join(dir, "big.json"), JSON.stringify({ blob: "x".repeat(1024 * 1024) }));
    const big = cli(["state", "set", "ok", `@${join(dir, "big.json")}`, "--config", s.file]);
    assert.equal(big.status, 1);
    assert.match(big.stderr, /over the 1048576-byte limit/);
    const still = cliJson<Record<string, unknown>>(["state", "get", "ok", "--config", s.file]);
    assert.deepEqual(still.json, { from: "file" }, "the refused state changed nothing");
  });

  it("set refuses a plugin that is not configured", () => {
    const s = setup();
    const r = cli(["state", "set", "nope", "{}", "--config", s.file]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /not in .*postern\.yaml/);
  });
});

describe("postern logs", () => {
  it("shows each attempt, oldest first: header, error, logs and stderr", () => {
    const s = setup();
    const first = enqueue(s, "ok");
    finishNext(s, ok({ logs: [{ level: "warn", message: "rate limited, slowing down" }] }));
    const second = enqueue(s, "exit-78");
    finishNext(s, failed("missing api key", false), { exitCode: 78, stderr: "config: api_key unset\n" });
    const r = cli(["logs", "--config", s.file]);
    assert.equal(r.status, 0, r.stderr);
    const a = r.stdout.indexOf(first);
    const b = r.stdout.indexOf(second);
    assert.ok(a >= 0 && b > a, r.stdout);
    assert.match(r.stdout, /ok poll {2}job \S+ {2}attempt 1\/4 {2}succeeded \(exit 0, 12ms\)/);
    assert.match(r.stdout, /\[warn\] rate limited, slowing down/);
    assert.match(r.stdout, /exit-78 poll .* failed \(exit 78, 12ms\)\n {2}error: missing api key/);
    assert.match(r.stdout, /\| config: api_key unset/);
    const only = cliJson<{ job_id: string; plugin: string }[]>(["logs", "exit-78", "--config", s.file]);
    assert.deepEqual(
      only.json.map((e) => e.job_id),
      [second],
    );
    const limited = cliJson<{ job_id: string }[]>(["logs", "--limit", "1", "--config", s.file]);
    assert.deepEqual(
      limited.json.map((e) => e.job_id),
      [second],
      "the most recent one",
    );
    assert.equal(cli(["logs", "--limit", "0", "--config", s.file]).status, 2);
  });
});

describe("read commands before any database exists", () => {
  it("print empty results, exit 0, and create nothing", () => {
    const s = setup();
    const queue = cli(["queue", "--config", s.file]);
    assert.equal(queue.status, 0, queue.stderr);
    assert.equal(queue.stdout.trim(), "queue is empty");
    assert.deepEqual(cliJson(["queue", "--config", s.file]).json, []);
    assert.deepEqual(cliJson(["jobs", "list", "--config", s.file]).json, []);
    assert.match(cli(["jobs", "list", "--config", s.file]).stdout, /no jobs/);
    assert.deepEqual(cliJson(["logs", "--config", s.file]).json, []);
    assert.match(cli(["logs", "--config", s.file]).stdout, /no attempts recorded yet/);
    assert.deepEqual(cliJson(["state", "get", "ok", "--config", s.file]).json, {});
    const show = cli(["jobs", "show", "0193aaaa-0000-7000-8000-000000000000", "--config", s.file]);
    assert.equal(show.status, 1);
    assert.match(show.stderr, /no job/);
    assert.equal(cli(["jobs", "cancel", "x", "--config", s.file]).status, 1);
    assert.equal(cli(["jobs", "retry", "x", "--config", s.file]).status, 1);
    assert.equal(existsSync(s.stateDir), false, "reads and refused writes created no state_dir");
  });
});
