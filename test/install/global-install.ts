/**
 * The real install test (SPEC §18), run by `npm run test:install` (and .ci/run), not by
 * `npm test`: it packs the package, installs the tarball into a temporary global prefix (which
 * compiles better-sqlite3 and fs-ext, at -O0), and from a temporary HOME runs what a new user
 * runs: init, new plugin (js and py), config check, the daemon, a poll of the new plugin routed
 * to the bundled notify writing to a file; then service unit and systemd-analyze verify.
 * npm keeps using the real cache (offline first); nothing is fetched from outside the registry.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { DaemonProcess } from "../helpers/daemon.js";
import { repoRoot } from "../helpers/paths.js";

const scratch = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "postern-install-")));
const prefix = path.join(scratch, "prefix");
const home = path.join(scratch, "home");
fs.mkdirSync(home);
const bin = path.join(prefix, "bin", "postern");
// The user's shell: the scratch HOME and the prefix's bin first; no config from the test's env.
const { POSTERN_CONFIG: _ignored, ...baseEnv } = process.env;
const userEnv: Record<string, string> = {
  ...(baseEnv as Record<string, string>),
  HOME: home,
  XDG_CONFIG_HOME: "",
  XDG_STATE_HOME: "",
  PATH: `${path.join(prefix, "bin")}:${process.env.PATH ?? ""}`,
};
let daemon: DaemonProcess | undefined;
after(async () => {
  await daemon?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

function postern(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(bin, args, { cwd: home, env: userEnv, encoding: "utf8", timeout: 60_000 });
  process.stdout.write(
    `# $ postern ${args.join(" ")}  → exit ${r.status}\n${r.stdout.replace(/^/gm, "#   ")}\n`,
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("install from the tarball into a global prefix", { timeout: 600_000 }, () => {
  it("packs and installs", () => {
    const t0 = Date.now();
    // Built already (npm run test:install builds first); --ignore-scripts skips prepare.
    const packed = execFileSync(
      "npm",
      ["pack", "--ignore-scripts", "--json", "--pack-destination", scratch],
      { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
    const [info] = JSON.parse(packed) as [{ filename: string; size: number; unpackedSize: number }];
    process.stdout.write(`# tarball ${info.filename}: ${info.size} bytes (${info.unpackedSize} unpacked)\n`);
    execFileSync(
      "npm",
      [
        "install",
        "-g",
        "--prefix",
        prefix,
        path.join(scratch, info.filename),
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
      ],
      {
        cwd: scratch,
        // better-sqlite3 compiles from source rather than fetch a prebuilt binary off the
        // registry; -O0 (gcc takes the last -O) makes that compile several times faster, which
        // is what keeps this test near its time budget. The code installed is the same.
        env: { ...process.env, npm_config_build_from_source: "true", CFLAGS: "-O0", CXXFLAGS: "-O0" },
        stdio: ["ignore", "pipe", "pipe"],
        timeout: 540_000,
      },
    );
    process.stdout.write(`# pack + install: ${Date.now() - t0} ms\n`);
    assert.ok(fs.existsSync(bin), `${bin} should exist after the install`);
  });

  it("init, new plugin js + py, config check, from a scratch HOME", () => {
    const init = postern(["init"]);
    assert.equal(init.status, 0, init.stderr);
    for (const [name, lang] of [
      ["mine", "js"],
      ["pyone", "py"],
    ] as const) {
      const r = postern(["new", "plugin", name, "--lang", lang]);
      assert.equal(r.status, 0, r.stderr);
    }
    const config = path.join(home, ".config", "postern", "postern.yaml");
    // Route the new plugins' ticks to the bundled notify; any free port, since other daemons may run.
    const text = fs
      .readFileSync(config, "utf8")
      .replace("listen: 127.0.0.1:8081", "listen: 127.0.0.1:0")
      .replace(/^plugins:\n/m, "plugins:\n  mine: {}\n  pyone: {}\n")
      .replace(
        /^routes:\n/m,
        "routes:\n  - { from: mine, event_type: mine.tick, to: notify }\n  - { from: pyone, event_type: pyone.tick, to: notify }\n",
      );
    fs.writeFileSync(config, text);
    const check = postern(["config", "check"]);
    assert.equal(check.status, 0, check.stdout + check.stderr);
    const plugins = postern(["plugins"]);
    assert.match(
      plugins.stdout,
      new RegExp(`bundled\\s+${prefix}/lib/node_modules/postern/plugins: .*\\bnotify\\b`),
    );
    for (const [name, lang] of [
      ["mine", "js"],
      ["pyone", "py"],
    ] as const) {
      const exec = postern(["exec", name, "poll"]);
      assert.equal(exec.status, 0, `${lang}: ${exec.stdout}${exec.stderr}`);
    }
  });

  it("the daemon runs the new plugins and the bundled notify writes their events to a file", async () => {
    const config = path.join(home, ".config", "postern", "postern.yaml");
    daemon = await DaemonProcess.start(config, userEnv, { bin });
    for (const name of ["mine", "pyone"]) {
      const run = postern(["run", name, "--wait", "--json"]);
      assert.equal(run.status, 0, run.stdout + run.stderr);
    }
    const log = path.join(home, ".local", "state", "postern", "notifications.log");
    const both = () => {
      const text = fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "";
      return text.includes("mine.tick") && text.includes("pyone.tick");
    };
    // Checked at each log line: notify logs its attempt after it appended to the file.
    if (!both()) await daemon.waitFor(both, 30_000);
    const written = fs.readFileSync(log, "utf8");
    process.stdout.write(`# notifications.log:\n${written.replace(/^/gm, "#   ")}\n`);
    assert.match(written, /mine\.tick/);
    assert.match(written, /pyone\.tick/);
    const stopped = await daemon.stop();
    assert.equal(stopped.code, 0);
  });

  it("service unit names this install and passes systemd-analyze verify where it exists", (t) => {
    const unit = postern(["service", "unit"]);
    assert.equal(unit.status, 0, unit.stderr);
    assert.match(
      unit.stdout,
      new RegExp(`^ExecStart=\\S+ ${prefix}/lib/node_modules/postern/bin/postern start --config `, "m"),
    );
    if (spawnSync("systemd-analyze", ["--version"]).error !== undefined) {
      t.skip("systemd-analyze is not installed here");
      return;
    }
    const file = path.join(scratch, "postern.service");
    fs.writeFileSync(file, unit.stdout);
    const v = spawnSync("systemd-analyze", ["verify", file], { encoding: "utf8" });
    assert.equal(v.status, 0, v.stdout + v.stderr);
  });
});
