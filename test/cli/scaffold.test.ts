/**
 * `postern init`, `postern new plugin` and `postern service unit` (SPEC §18) through the real
 * CLI, from a scratch HOME with no config in the working directory: the config lookup falls
 * back to $XDG_CONFIG_HOME/postern/postern.yaml.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { cli, cliJson } from "../helpers/cli.js";

const home = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "postern-home-")));
after(() => fs.rmSync(home, { recursive: true, force: true }));
// The lookup must find the XDG config, so no POSTERN_CONFIG from the environment running the tests.
delete process.env.POSTERN_CONFIG;
const env = { HOME: home, XDG_CONFIG_HOME: "", XDG_STATE_HOME: "" };
const run = (args: string[]) => cli(args, { cwd: home, env });
const configFile = path.join(home, ".config", "postern", "postern.yaml");
const pluginsDir = path.join(home, ".config", "postern", "plugins");
const stateDir = path.join(home, ".local", "state", "postern");

describe("postern init", () => {
  it("writes the starter under XDG, says what it wrote and the next command, and it passes config check", () => {
    const r = run(["init"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`wrote ${configFile}`));
    assert.match(r.stdout, /postern config check/);
    assert.ok(fs.statSync(pluginsDir).isDirectory());
    assert.equal(fs.statSync(stateDir).mode & 0o777, 0o700);
    const check = run(["config", "check"]);
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.equal(check.stdout.trim(), `${configFile}: ok`);
  });

  it("never overwrites: a second init refuses, names the file, exit 1", () => {
    const before = fs.readFileSync(configFile, "utf8");
    fs.appendFileSync(configFile, "# mine\n");
    const r = run(["init"]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`${configFile} already exists; init never overwrites`));
    assert.equal(fs.readFileSync(configFile, "utf8"), `${before}# mine\n`);
  });

  it("init DIR puts config, plugins and state in DIR", () => {
    const dir = path.join(home, "elsewhere");
    const r = run(["init", dir]);
    assert.equal(r.status, 0, r.stderr);
    for (const p of ["postern.yaml", "plugins", "state"]) assert.ok(fs.existsSync(path.join(dir, p)), p);
    assert.equal(run(["config", "check", "-c", path.join(dir, "postern.yaml")]).status, 0);
  });
});

describe("postern new plugin", () => {
  for (const lang of ["js", "py", "sh"]) {
    it(`--lang ${lang}: writes an executable plugin that exec runs as generated (poll and handle)`, () => {
      const name = `p-${lang}`;
      const r = run(["new", "plugin", name, "--lang", lang]);
      assert.equal(r.status, 0, r.stderr);
      const dir = path.join(pluginsDir, name);
      const entry = path.join(dir, { js: "run.mjs", py: "run.py", sh: "run.sh" }[lang] ?? "");
      assert.equal(fs.statSync(entry).mode & 0o777, 0o755);
      assert.match(fs.readFileSync(entry, "utf8"), /^#!\/usr\/bin\/env (node|python3)\n|^#!\/bin\/sh\n/);
      const poll = cliJson<{ outcome: { status: string }; response: { events: { type: string }[] } }>(
        ["exec", name, "poll"],
        { cwd: home, env },
      );
      assert.equal(poll.json.outcome.status, "succeeded", poll.stderr);
      assert.equal(poll.json.response.events[0]?.type, `${name}.tick`);
      const handle = cliJson<{ outcome: { status: string }; response: { events: { type: string }[] } }>(
        ["exec", name, "handle", "--event", `@${path.join(dir, "sample-event.json")}`],
        { cwd: home, env },
      );
      assert.equal(handle.json.outcome.status, "succeeded", handle.stderr);
      assert.equal(handle.json.response.events[0]?.type, `${name}.seen`);
    });
  }

  it("refuses an invalid name with the rule (exit 2) and an existing one (exit 1)", () => {
    const bad = run(["new", "plugin", "-bad", "--lang", "js"]);
    assert.notEqual(bad.status, 0);
    const bad2 = run(["new", "plugin", "a/b", "--lang", "js"]);
    assert.equal(bad2.status, 2);
    assert.match(bad2.stderr, /not a valid plugin name: use letters, digits/);
    const exists = run(["new", "plugin", "p-js", "--lang", "js"]);
    assert.equal(exists.status, 1);
    assert.match(exists.stderr, /p-js already exists; new plugin never overwrites/);
    const lang = run(["new", "plugin", "x", "--lang", "rb"]);
    assert.equal(lang.status, 2);
    assert.match(lang.stderr, /--lang must be one of js, py, sh/);
  });
});

describe("postern service unit", () => {
  it("prints a unit with this install's absolute paths, the config, ExecReload and the state dir writable", () => {
    const r = run(["service", "unit"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(`^ExecStart=${process.execPath} /\\S+/bin/postern start --config ${configFile}$`, "m"),
    );
    assert.match(r.stdout, /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
    assert.match(r.stdout, new RegExp(`^ReadWritePaths=${stateDir}$`, "m"));
    assert.match(r.stdout, /^NoNewPrivileges=yes$/m);
    assert.match(r.stdout, /^WantedBy=multi-user.target$/m);
    const user = run(["service", "unit", "--user"]);
    assert.match(user.stdout, /^WantedBy=default.target$/m);
    assert.doesNotMatch(user.stdout, /^User=/m);
  });

  it("passes systemd-analyze verify where that tool exists", (t) => {
    const probe = spawnSync("systemd-analyze", ["--version"], { encoding: "utf8" });
    if (probe.error !== undefined) {
      t.skip("systemd-analyze is not installed here");
      return;
    }
    for (const args of [
      ["service", "unit"],
      ["service", "unit", "--user"],
    ]) {
      const unit = path.join(home, "postern.service");
      fs.writeFileSync(unit, run(args).stdout);
      const v = spawnSync("systemd-analyze", ["verify", unit], { encoding: "utf8" });
      assert.equal(v.status, 0, `${args.join(" ")}: ${v.stdout}${v.stderr}`);
    }
  });
});
