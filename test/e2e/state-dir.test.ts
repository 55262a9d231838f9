/**
 * The state directory against a hostile host (issue 22, items 3–6): a deleted lock file, a
 * state_dir under /proc, symbolic links where the daemon writes, garbage in postern.db. The
 * real daemon and CLI as child processes.
 */
import assert from "node:assert/strict";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { cli } from "../helpers/cli.js";
import { DaemonProcess } from "../helpers/daemon.js";
import { fixturePluginsDir } from "../helpers/paths.js";

function setup(stateDir = "./data") {
  const dir = mkdtempSync(join(tmpdir(), "postern-statedir-"));
  const file = join(dir, "postern.yaml");
  writeFileSync(
    file,
    `service:
  state_dir: ${stateDir}
  log_level: debug
plugins_dir: ${fixturePluginsDir}
webhooks: { listen: "127.0.0.1:0" }
plugins:
  ok: {}
`,
  );
  return { dir, file, data: join(dir, "data") };
}

/** Output of a refused command: one clear message, no stack trace. */
function assertRefusal(r: { status: number | null; stdout: string; stderr: string }, pattern: RegExp): void {
  assert.equal(r.status, 1, `exit ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.match(r.stderr + r.stdout, pattern);
  assert.doesNotMatch(r.stderr + r.stdout, /this is a bug|\n\s+at /);
}

describe("single instance: a deleted lock file", () => {
  it("a second start is refused by the state directory's lock", async () => {
    const env = setup();
    // The first daemon must not put its lock file back before the second start tries.
    const first = await DaemonProcess.start(env.file, { POSTERN_LOCK_RECHECK_MS: "600000" });
    try {
      rmSync(join(env.data, "postern.lock"));
      const second = cli(["start", "--config", env.file]);
      assertRefusal(second, /another postern is already running with this state_dir/);
      assert.match(second.stderr, new RegExp(`PID ${first.pid} holds the directory's lock`));
      assert.match(second.stderr, /lock file .*postern\.lock was deleted or replaced/);
      assert.equal(
        second.stdout.split("\n").filter((l) => / started \(pid /.test(l)).length,
        0,
        "the second daemon must never start",
      );
      // `status` still finds the running daemon.
      const status = cli(["status", "--config", env.file, "--json"]);
      assert.equal(JSON.parse(status.stdout).daemon.pid, first.pid, status.stdout);
    } finally {
      assert.equal((await first.stop()).code, 0);
    }
  });

  it("the running daemon logs an ERROR and puts its lock file back with its PID", async () => {
    const env = setup();
    const first = await DaemonProcess.start(env.file, { POSTERN_LOCK_RECHECK_MS: "100" });
    try {
      const lockFile = join(env.data, "postern.lock");
      rmSync(lockFile);
      const line = await first.waitFor(
        (l) => l.level === "error" && /is recreated with this PID/.test(l.message),
      );
      assert.equal(line.lock_file, lockFile);
      assert.equal(readFileSync(lockFile, "utf8"), `${first.pid}\n`);
      assertRefusal(
        cli(["start", "--config", env.file]),
        new RegExp(`PID ${first.pid} holds .*postern\\.lock`),
      );
    } finally {
      assert.equal((await first.stop()).code, 0);
    }
  });
});

describe("service.state_dir under /proc or /sys", () => {
  for (const stateDir of ["/proc/x/data", "/sys/postern"]) {
    it(`${stateDir}: start and config check refuse it promptly, naming service.state_dir`, () => {
      const env = setup(stateDir);
      const check = cli(["config", "check", "--config", env.file]);
      assertRefusal(check, /service\.state_dir: .* is under \/(proc|sys), a kernel file system/);
      assert.match(check.stdout, /postern\.yaml:2: /);
      // cli() gives up after 30 s; before the fix the daemon spun there at 100 % CPU.
      const start = cli(["start", "--config", env.file]);
      assertRefusal(start, /service\.state_dir: .* is under \/(proc|sys)/);
    });
  }

  it("a state_dir whose parent is a file: config check and start refuse it", () => {
    const env = setup("./blocker/data");
    writeFileSync(join(env.dir, "blocker"), "a file, not a directory\n");
    const check = cli(["config", "check", "--config", env.file]);
    assertRefusal(
      check,
      /service\.state_dir: .*blocker\/data cannot be created: .*blocker exists and is not a directory/,
    );
    assertRefusal(cli(["start", "--config", env.file]), /blocker exists and is not a directory/);
  });
});

describe("symbolic links in state_dir are refused", () => {
  it("a postern.lock link: refused, its target untouched", () => {
    const env = setup();
    mkdirSync(env.data);
    const target = join(env.dir, "precious.txt");
    writeFileSync(target, "do not truncate me\n");
    symlinkSync(target, join(env.data, "postern.lock"));
    assertRefusal(
      cli(["start", "--config", env.file]),
      /postern\.lock \(the instance lock\) is a symbolic link/,
    );
    assert.equal(readFileSync(target, "utf8"), "do not truncate me\n");
  });

  for (const name of ["postern.db", "postern.db-wal", "postern.db-shm"]) {
    it(`a dangling ${name} link: start and status refuse it, nothing is created at its target`, () => {
      const env = setup();
      mkdirSync(env.data);
      if (name !== "postern.db") {
        // A real database beside the link, so the read command gets as far as opening it.
        const made = cli(["run", "ok", "--config", env.file]);
        assert.equal(made.status, 0, made.stderr);
        rmSync(join(env.data, name), { force: true });
      }
      const target = join(env.dir, "elsewhere", "db");
      symlinkSync(target, join(env.data, name));
      const start = cli(["start", "--config", env.file]);
      assertRefusal(
        start,
        new RegExp(`${name.replaceAll(".", "\\.")} \\(the database.*\\) is a symbolic link`),
      );
      assert.match(start.stderr, /Remove the link/);
      if (name !== "postern.db") {
        assertRefusal(cli(["status", "--config", env.file]), /is a symbolic link/);
      }
      assert.equal(existsSync(target), false);
      assert.ok(lstatSync(join(env.data, name)).isSymbolicLink());
    });
  }
});

describe("a postern.db that is not a database", () => {
  it("start, status and jobs list say which file, what it is and what to do; no stack trace", () => {
    const env = setup();
    mkdirSync(env.data);
    const garbage = Buffer.alloc(16_384);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) % 251;
    writeFileSync(join(env.data, "postern.db"), garbage);
    for (const args of [["start"], ["status"], ["jobs", "list"], ["jobs", "list", "--json"]]) {
      const r = cli([...args, "--config", env.file]);
      assertRefusal(r, /postern\.db is not a SQLite database/);
      assert.match(r.stderr, new RegExp(join(env.data, "postern.db").replaceAll(".", "\\.")));
      assert.match(r.stderr, /move the file aside .* put back a backup/);
    }
    // Refused, not repaired: the file is left as it was for the operator.
    assert.deepEqual(readFileSync(join(env.data, "postern.db")), garbage);
  });
});
