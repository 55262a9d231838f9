/**
 * `postern status` with the daemon running and stopped, human and --json (SPEC §13, §13.1), and
 * `postern reload` with no daemon.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { DaemonProcess } from "../helpers/daemon.js";
import { cliAsync, enqueue, opsEnv, startDaemon, status } from "./helpers.js";

const running: DaemonProcess[] = [];
after(async () => {
  await Promise.all(running.map((d) => d.stop()));
});

const PLUGIN_KEYS = [
  "name",
  "loaded",
  "enabled",
  "healthy",
  "next_run_at",
  "next_run_reason",
  "last_success_at",
  "last_failure_at",
  "last_error",
  "dedupe_hits",
  "circuits",
  "health",
];

function setup() {
  const env = opsEnv();
  env.write(`webhooks: { listen: "127.0.0.1:0" }
plugins:
  reload-probe:
    config: { record_file: ${env.recordFile}, fixed: true }
    schedule: { every: 1h }
  scripted:
    config: {}
    retry: { max_attempts: 1 }
  exit-78:
    enabled: false
`);
  return env;
}

describe("postern status", () => {
  it("with the daemon running and then stopped, --json and human", async () => {
    const env = setup();
    const { daemon } = await startDaemon(env);
    running.push(daemon);
    await daemon.waitFor((l) => l.plugin === "reload-probe" && l.job_status === "succeeded");
    const failing = await enqueue(env.file, "scripted", {
      type: "x",
      payload: { script: { response: { status: "error", error: "boom for status" } } },
    });
    await daemon.waitForJob(failing, "dead");

    // --json, with health
    const up = await status(env.file, []);
    assert.equal(up.status, 0);
    const j = up.json;
    for (const k of ["daemon", "queue_depth", "oldest_ready_age_seconds", "plugins"]) assert.ok(k in j, k);
    assert.equal(j.daemon.running, true);
    assert.equal(j.daemon.pid, daemon.pid);
    assert.equal(typeof j.daemon.uptime_seconds, "number");
    assert.ok((j.daemon.uptime_seconds ?? -1) >= 0);
    assert.equal(j.queue_depth, 0);
    assert.equal(j.oldest_ready_age_seconds, null);
    assert.deepEqual(
      j.plugins.map((p) => p.name),
      ["reload-probe", "scripted", "exit-78"],
    );
    for (const p of j.plugins) {
      for (const k of PLUGIN_KEYS) assert.ok(k in p, `${p.name}.${k}`);
      assert.equal(typeof p.next_run_reason, "string");
      assert.equal(typeof p.dedupe_hits, "number");
    }
    const probe = j.plugins.find((p) => p.name === "reload-probe")!;
    assert.equal(probe.loaded, true);
    assert.equal(probe.enabled, true);
    assert.equal(probe.healthy, true);
    assert.ok(probe.last_success_at, "its first poll succeeded");
    assert.deepEqual(probe.health, { status: "ok", error: null });
    assert.deepEqual(Object.keys(probe.circuits), ["poll"]);
    assert.equal(probe.circuits.poll?.state, "closed");
    const scripted = j.plugins.find((p) => p.name === "scripted")!;
    assert.ok(scripted.last_failure_at);
    assert.match(scripted.last_error ?? "", /boom for status/);
    const off = j.plugins.find((p) => p.name === "exit-78")!;
    assert.equal(off.enabled, false);
    assert.equal(off.next_run_reason, "disabled");
    assert.equal(off.health, null, "no health run for a disabled plugin");

    // --no-health skips health
    const quick = await status(env.file);
    assert.equal(quick.json.plugins.find((p) => p.name === "reload-probe")?.health, null);

    // a queued job shows in queue_depth (jobs of the disabled plugin are refused by `run`, so
    // queue one for the probe while the dispatcher is busy)
    // The busy job holds until the test opens its gate, however slow the machine is.
    const gate = join(env.dir, "status-gate");
    const busy = await enqueue(env.file, "scripted", {
      type: "b",
      payload: { script: { wait_for_file: gate } },
    });
    await daemon.waitFor((l) => l.job_id === busy && /started/.test(l.message));
    const waiting = await enqueue(env.file, "reload-probe", { type: "t", payload: {} });
    const deep = await status(env.file);
    writeFileSync(gate, "");
    assert.equal(deep.json.queue_depth, 1);
    assert.equal(typeof deep.json.oldest_ready_age_seconds, "number");
    await daemon.waitForJob(waiting, "succeeded");

    // human
    const human = await cliAsync(["status", "--config", env.file]);
    assert.equal(human.status, 0, human.stderr);
    assert.match(
      human.stdout,
      new RegExp(`^daemon\\s+running, pid ${daemon.pid}, up (?:\\d+h)?(?:\\d+m)?\\d+s`, "m"),
    );
    assert.match(human.stdout, /^queue\s+0 queued$/m);
    assert.match(
      human.stdout,
      /^PLUGIN\s+STATE\s+NEXT RUN\s+LAST OK\s+LAST FAIL\s+CIRCUIT\s+DEDUPE\s+HEALTH$/m,
    );
    assert.match(human.stdout, /^reload-probe\s+ok\s+.*\s+closed\s+0\s+ok$/m);
    assert.match(human.stdout, /^exit-78\s+disabled\s+disabled\b/m);
    assert.match(human.stdout, /^scripted\s+ok\s+no schedule\s+(?:just now|\d+s ago)\s+\d+s ago\s+closed\b/m);

    // stopped
    const exit = await daemon.stop();
    assert.equal(exit.code, 0);
    const down = await status(env.file);
    assert.equal(down.status, 1, "exit 1 when the daemon is not running");
    assert.deepEqual(
      { running: down.json.daemon.running, pid: down.json.daemon.pid, up: down.json.daemon.uptime_seconds },
      { running: false, pid: null, up: null },
    );
    const lastOk = down.json.plugins.find((p) => p.name === "reload-probe")?.last_success_at;
    assert.ok(lastOk && lastOk >= (probe.last_success_at ?? ""), "history is still read from the database");
    const humanDown = await cliAsync(["status", "--config", env.file, "--no-health"]);
    assert.equal(humanDown.status, 1);
    assert.match(humanDown.stdout, /^daemon\s+NOT RUNNING/m);
    assert.match(humanDown.stdout, /^reload-probe\s+ok\b/m, "the database is still read");
  });

  it("before the daemon ever ran: NOT RUNNING, exit 1, no database needed", async () => {
    const env = setup();
    const r = await status(env.file);
    assert.equal(r.status, 1);
    assert.equal(r.json.daemon.running, false);
    assert.equal(r.json.queue_depth, 0);
    assert.match(r.json.plugins[0]?.next_run_reason ?? "", /has not run/);
  });
});

describe("postern reload without a daemon", () => {
  it("exits 1 with a clear error", async () => {
    const env = setup();
    const r = await cliAsync(["reload", "--config", env.file]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no daemon is running with state_dir .*postern start/);
    assert.equal(r.stdout, "");
  });
});
