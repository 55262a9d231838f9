/**
 * Issue 22's CLI items through the real `bin/postern`: deep or endless `--event` input, a closed
 * stdout pipe, an old job too deep to serialise, and the descriptors a plugin inherits.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { TOO_DEEP_MARK } from "../../src/core/json-depth.js";
import { cli, cliJson } from "../helpers/cli.js";
import { postern } from "../helpers/paths.js";
import { enqueue, setup } from "./operator-fixture.js";

function nestedText(depth: number): string {
  return `${"[".repeat(depth)}${"]".repeat(depth)}`;
}

describe("--event input (issue 22)", () => {
  for (const depth of [129, 60_000]) {
    // 60,000 levels: past the stack, and still under the kernel's 128 KiB limit for one argument.
    it(`an event nested ${depth} levels is a usage error naming the limit`, () => {
      const s = setup();
      const event = `{"type":"t","payload":${nestedText(depth - 1)}}`;
      for (const cmd of [
        ["run", "ok"],
        ["exec", "ok", "handle"],
      ]) {
        const r = cli([...cmd, "--event", event, "--config", s.file]);
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, /--event nests deeper than 128 levels/);
        assert.doesNotMatch(r.stderr, /\n\s+at /);
      }
    });
  }

  it("an event nested exactly 128 levels is accepted", () => {
    const s = setup();
    const r = cliJson<{ job_id?: string }>([
      "run",
      "ok",
      "--event",
      `{"type":"t","payload":${nestedText(127)}}`,
      "--config",
      s.file,
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.json.job_id);
  });

  it("@/dev/zero ends promptly with a usage error naming the file and the size limit", () => {
    const s = setup();
    const started = Date.now();
    const r = cli(["run", "ok", "--event", "@/dev/zero", "--config", s.file]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /\/dev\/zero is larger than 10485760 bytes/);
    assert.ok(Date.now() - started < 20_000, "did not read forever");
  });

  it("a file that is not JSON is named, its content never quoted", () => {
    const s = setup();
    const file = join(s.stateDir, "..", "event.txt");
    writeFileSync(file, "token=hunter2-SECRET-not-json\n");
    for (const cmd of [
      ["run", "ok"],
      ["exec", "ok", "handle"],
      ["state", "set", "ok"],
    ]) {
      const args = cmd[0] === "state" ? [...cmd, `@${file}`] : [...cmd, "--event", `@${file}`];
      const r = cli([...args, "--config", s.file]);
      assert.equal(r.status, 2, r.stderr);
      assert.ok(r.stderr.includes(`${file} is not valid JSON`), r.stderr);
      assert.doesNotMatch(r.stderr, /hunter2|SECRET|token/);
    }
  });
});

describe("a closed stdout pipe (issue 22)", () => {
  for (const args of [
    ["jobs", "list", "--json"],
    ["jobs", "list"],
    ["status", "--json"],
  ]) {
    it(`postern ${args.join(" ")} | (reader gone) ends quietly with exit 0`, async () => {
      const s = setup();
      for (let i = 0; i < 20; i++) enqueue(s, "ok");
      const child = spawn(postern, [...args, "--config", s.file], { stdio: ["ignore", "pipe", "pipe"] });
      // The reader goes away before the command writes a byte: every write is EPIPE.
      child.stdout.destroy();
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (d: string) => {
        stderr += d;
      });
      const [code, signal] = (await once(child, "exit")) as [number | null, string | null];
      assert.equal(signal, null);
      assert.equal(code, 0, stderr);
      assert.equal(stderr, "");
    });
  }
});

describe("an old job nested past the stack (issue 22)", () => {
  it("jobs show (--json and human) elides what is deeper than the limit instead of crashing", () => {
    const s = setup();
    const id = enqueue(s, "ok", { command: "handle", payload: { type: "t", payload: null } });
    // As a version without the depth limit stored it: 100,000 levels.
    const db = new Database(join(s.stateDir, "postern.db"));
    db.prepare("UPDATE jobs SET payload = ? WHERE id = ?").run(nestedText(100_000), id);
    db.close();
    const json = cli(["jobs", "show", id, "--json", "--config", s.file]);
    assert.equal(json.status, 0, json.stderr);
    const shown = JSON.parse(json.stdout) as { id: string; payload: unknown };
    assert.equal(shown.id, id);
    assert.ok(json.stdout.includes(TOO_DEEP_MARK));
    const human = cli(["jobs", "show", id, "--config", s.file]);
    assert.equal(human.status, 0, human.stderr);
    assert.ok(human.stdout.includes(id));
  });
});

describe("descriptors a plugin inherits (issue 22)", () => {
  it("a plugin gets stdin, stdout and stderr only, whatever the CLI inherited", async () => {
    const s = setup("  fd-list: {}");
    const extra = openSync(join(s.stateDir, "..", "postern.yaml"), "r");
    try {
      // fds 3 and 4 are pipes, 5 a file: none is close-on-exec in the CLI's process.
      const child = spawn(postern, ["exec", "fd-list", "poll", "--json", "--config", s.file], {
        stdio: ["ignore", "pipe", "pipe", "pipe", "pipe", extra],
      });
      let stdout = "";
      let stderr = "";
      child.stdout?.setEncoding("utf8").on("data", (d: string) => {
        stdout += d;
      });
      child.stderr?.setEncoding("utf8").on("data", (d: string) => {
        stderr += d;
      });
      const [code] = (await once(child, "exit")) as [number | null];
      assert.equal(code, 0, stderr);
      const out = JSON.parse(stdout) as { response: { logs: { message: string }[] } };
      const message = out.response.logs[0]?.message ?? "";
      const fds = JSON.parse(message.replace(/^fds /, "")) as Record<string, string>;
      assert.deepEqual(Object.keys(fds).sort(), ["0", "1", "2"], message);
    } finally {
      closeSync(extra);
    }
  });
});
