/**
 * `postern doctor` (SPEC §19): a healthy host with the real daemon running, then a planted
 * problem of each kind it can see: a state dir not created yet, a corrupt database, a lock file
 * naming a dead PID, a world-writable plugin, the listener's port taken by another program.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { Check } from "../../src/cli/doctor.js";
import type { DaemonProcess } from "../helpers/daemon.js";
import { DaemonProcess as Daemon } from "../helpers/daemon.js";
import { fixturePluginsDir } from "../helpers/paths.js";
import { cliAsync, freePort } from "./helpers.js";

const running: DaemonProcess[] = [];
after(async () => {
  await Promise.all(running.map((d) => d.stop()));
});

function host(port: number) {
  const dir = mkdtempSync(join(tmpdir(), "postern-doctor-"));
  const plugins = join(dir, "plugins");
  mkdirSync(plugins);
  cpSync(join(fixturePluginsDir, "ok"), join(plugins, "ok"), { recursive: true });
  const file = join(dir, "postern.yaml");
  writeFileSync(
    file,
    `service: { state_dir: ./data, log_level: debug }
plugins_dir: ./plugins
webhooks: { listen: "127.0.0.1:${port}" }
plugins:
  ok: {}
`,
  );
  return { dir, file, plugins, data: join(dir, "data") };
}

async function doctor(file: string): Promise<{ status: number | null; checks: Check[]; human: string }> {
  const r = await cliAsync(["doctor", "--config", file, "--json"]);
  const h = await cliAsync(["doctor", "--config", file]);
  assert.equal(h.status, r.status);
  let checks: Check[];
  try {
    checks = (JSON.parse(r.stdout) as { checks: Check[] }).checks;
  } catch {
    throw new Error(`doctor --json is not JSON (exit ${r.status}): ${r.stdout} ${r.stderr}`);
  }
  return { status: r.status, checks, human: h.stdout };
}

const find = (checks: Check[], name: string) => {
  const c = checks.find((x) => x.name === name);
  assert.ok(c, `a check named ${name}: ${JSON.stringify(checks)}`);
  return c;
};

describe("postern doctor", () => {
  it("before the first start: the missing state dir is a WARN, not a crash", async () => {
    const h = host(await freePort());
    const r = await doctor(h.file);
    assert.equal(r.status, 0);
    const st = find(r.checks, "state dir");
    assert.equal(st.status, "WARN");
    assert.match(st.message, /does not exist yet: created at first start/);
    assert.match(r.human, /^WARN {2}state dir +.*created at first start\n +→ /m);
  });

  it("all OK beside the running daemon; then each planted problem is reported", async () => {
    const port = await freePort();
    const h = host(port);
    const daemon = await Daemon.start(h.file);
    running.push(daemon);
    const healthy = await doctor(h.file);
    assert.equal(healthy.status, 0, healthy.human);
    for (const c of healthy.checks) assert.equal(c.status, "OK", `${c.name}: ${c.message}`);
    assert.match(
      find(healthy.checks, "lock").message,
      new RegExp(`held by the running daemon, PID ${daemon.pid}`),
    );
    assert.match(find(healthy.checks, "listener").message, /held by this Postern daemon/);
    assert.match(find(healthy.checks, "integrity").message, /integrity_check .*: ok/);
    await daemon.stop();

    // A lock file naming a PID that is gone (the daemon was killed; its PID stays in the file).
    const gone = spawnSync("true").pid as number;
    writeFileSync(join(h.data, "postern.lock"), `${gone}\n`);
    const lock = find((await doctor(h.file)).checks, "lock");
    assert.equal(lock.status, "WARN");
    assert.match(lock.message, new RegExp(`names PID ${gone}, which is not running`));

    // A world-writable plugin: refused by the trust check.
    chmodSync(join(h.plugins, "ok"), 0o777);
    const plugin = await doctor(h.file);
    assert.equal(plugin.status, 1);
    const p = find(plugin.checks, "plugin ok");
    assert.equal(p.status, "FAIL");
    assert.match(p.message, /refused: .*writable/);
    chmodSync(join(h.plugins, "ok"), 0o755);

    // The port taken by another program.
    // Another program: accepts and hangs up, never answers like Postern.
    const squatter = createServer((socket) => socket.destroy());
    await new Promise<void>((r) => squatter.listen(port, "127.0.0.1", () => r()));
    try {
      const taken = await doctor(h.file);
      assert.equal(taken.status, 1);
      const l = find(taken.checks, "listener");
      assert.equal(l.status, "FAIL");
      assert.match(l.message, /is taken by another program/);
      assert.match(l.fix ?? "", /ss -ltnp/);
    } finally {
      await new Promise<void>((r) => squatter.close(() => r()));
    }

    // A corrupt database.
    writeFileSync(join(h.data, "postern.db"), Buffer.alloc(8192, 0x41));
    const corrupt = await doctor(h.file);
    assert.equal(corrupt.status, 1);
    const i = find(corrupt.checks, "integrity");
    assert.equal(i.status, "FAIL");
    assert.match(i.message, /not a database/);
    assert.match(i.fix ?? "", /restore the last good backup/);
    assert.match(corrupt.human, /^FAIL {2}integrity/m);
  });

  it("an invalid config is a FAIL that points to config check", async () => {
    const h = host(await freePort());
    writeFileSync(h.file, "service: { tick_interval: soon }\n");
    const r = await doctor(h.file);
    assert.equal(r.status, 1);
    const c = find(r.checks, "config");
    assert.equal(c.status, "FAIL");
    assert.match(c.fix ?? "", /postern config check/);
  });
});
