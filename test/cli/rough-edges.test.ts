/** Issue 15 item 8: CLI rough edges a new user met, through the real `bin/postern`. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { helpAfterCommand } from "../../src/cli/command-word.js";
import { uptime } from "../../src/cli/format/time.js";
import { cli, cliJson, tempConfig } from "../helpers/cli.js";

describe("help", () => {
  it("a subcommand's --help lists -c/--config", () => {
    for (const args of [
      ["status", "--help"],
      ["jobs", "show", "--help"],
      ["reload", "--help"],
    ]) {
      const r = cli(args);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /-c, --config <path>/, args.join(" "));
    }
  });

  it("`postern -h start` prints start's help, not a top-level help listing only start", () => {
    for (const args of [
      ["-h", "start"],
      ["--help", "start"],
      ["-c", "x.yaml", "-h", "start"],
    ]) {
      const r = cli(args);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^Usage: postern start \[options\]/, args.join(" "));
      assert.match(r.stdout, /--log-format/);
    }
    const nested = cli(["-h", "jobs", "show"]);
    assert.match(nested.stdout, /^Usage: postern jobs show \[options\] <id>/);
    const top = cli(["-h"]);
    assert.match(top.stdout, /^Usage: postern \[options\] \[command\]/);
    assert.match(top.stdout, /status/);
  });

  it("helpAfterCommand moves only a help flag that comes before the command word", () => {
    const argv = (...a: string[]) => ["node", "postern", ...a];
    assert.deepEqual(helpAfterCommand(argv("-h", "start")), argv("start", "--help"));
    assert.deepEqual(helpAfterCommand(argv("start", "-h")), argv("start", "-h"));
    assert.deepEqual(helpAfterCommand(argv("-h")), argv("-h"));
  });
});

describe("reload --json", () => {
  it("is a known option: an invalid config gives the verdict as JSON, daemon not asked (exit 1)", () => {
    const { file } = tempConfig("plugins:\n  ok: { schedule: { every: often } }\n");
    const r = cliJson<{ ok: boolean; pid: number | null; message: string; errors: { line: number }[] }>([
      "reload",
      "--config",
      file,
    ]);
    assert.equal(r.status, 1);
    assert.equal(r.json.ok, false);
    assert.equal(r.json.pid, null);
    assert.match(r.json.message, /daemon was not asked/);
    assert.equal(r.json.errors[0]?.line, 2);
  });
});

describe("status uptime", () => {
  it("reads as minutes and seconds, not a raw count of seconds", () => {
    assert.equal(uptime(468), "7m48s");
    assert.equal(uptime(59), "59s");
    assert.equal(uptime(90_061), "1d1h");
    assert.equal(uptime(0), "0s");
  });
});

describe("YAML mistakes in plain words", () => {
  it("one tab in the indentation is one problem, with its line", () => {
    const { file } = tempConfig(
      "service:\n  state_dir: ./data\nplugins:\n  ok:\n\tschedule: { every: 5m }\n    enabled: true\n  exit-78: {}\nroutes: []\n",
    );
    const r = cliJson<{ ok: boolean; errors: { line: number; message: string }[] }>([
      "config",
      "check",
      "--config",
      file,
    ]);
    assert.equal(r.status, 1);
    assert.equal(r.json.errors.length, 1, JSON.stringify(r.json.errors));
    assert.equal(r.json.errors[0]?.line, 5);
    assert.match(
      r.json.errors[0]?.message ?? "",
      /a tab is used for indentation; YAML indents with spaces only/,
    );
  });

  it("a missing colon gets a hint beside the YAML library's words", () => {
    const { file } = tempConfig("service:\n  state_dir ./data\n  log_level: info\nplugins: {}\n");
    const r = cli(["config", "check", "--config", file]);
    assert.equal(r.status, 1);
    assert.match(r.stdout + r.stderr, /:2: .*probably a missing colon: each key is written "key: value"/);
  });
});
