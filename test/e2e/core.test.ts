/**
 * The durable core end to end (issue: job queue, dispatcher, state, routing, recovery, lock):
 * the real daemon as a child process, real fixture plugins, driven only through the CLI.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, watch, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { cli, cliJson } from "../helpers/cli.js";
import { DaemonProcess } from "../helpers/daemon.js";
import { fixturePluginsDir } from "../helpers/paths.js";
import { isAlive } from "../helpers/procs.js";

interface JobJson {
  id: string;
  status: string;
  attempt: number;
  last_error: string | null;
  parent_job_id: string | null;
  source_event_id: string | null;
  dedupe_key: string | null;
  created_at: string;
  submitted_by: string;
  attempts: {
    attempt: number;
    status: string;
    started_at: string;
    completed_at: string;
    retryable: boolean | null;
    error: string | null;
  }[];
  events: { event_id: string; type: string; routed_to: string[]; dropped: string | null }[];
}

function setup(opts: { handleTimeout?: string; shutdownGrace?: string } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "postern-e2e-"));
  const logFile = join(dir, "effects.csv");
  writeFileSync(logFile, "");
  const file = join(dir, "postern.yaml");
  writeFileSync(
    file,
    `service:
  state_dir: ./data
  log_level: debug
  shutdown_grace: ${opts.shutdownGrace ?? "1s"}
  max_route_depth: 3
plugins_dir: ${fixturePluginsDir}
webhooks: { listen: "127.0.0.1:0" }
plugins:
  scripted:
    config: { log_file: ${logFile} }
    retry: { max_attempts: 3, backoff_base: 100ms }
    timeouts: { handle: ${opts.handleTimeout ?? "5s"}, poll: 5s }
  scripted-b:
    config: { log_file: ${logFile} }
    retry: { max_attempts: 3, backoff_base: 100ms }
routes:
  - { from: scripted, event_type: fan, to: scripted-b }
  - { from: scripted, event_type: fan, to: scripted }
  - { from: scripted, event_type: loop, to: scripted-b }
  - { from: scripted-b, event_type: loop, to: scripted }
`,
  );
  const effects = () =>
    readFileSync(logFile, "utf8")
      .trim()
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => {
        const [plugin, jobId, eventId, attempt, startedMs] = l.split(",");
        return { plugin, jobId, eventId, attempt: Number(attempt), startedMs: Number(startedMs) };
      });
  return { dir, file, logFile, effects };
}

function run(config: string, script: unknown, extra: string[] = []): string {
  const r = cliJson<{ job_id?: string; duplicate_of?: string }>([
    "run",
    "scripted",
    "--event",
    JSON.stringify({ type: "test", payload: { script } }),
    ...extra,
    "--config",
    config,
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.json.job_id, `expected a job id: ${JSON.stringify(r.json)}`);
  return r.json.job_id;
}

function show(config: string, id: string): JobJson {
  const r = cliJson<JobJson>(["jobs", "show", id, "--config", config]);
  assert.equal(r.status, 0, r.stderr);
  return r.json;
}

describe("durable core, end to end", () => {
  const env = setup();
  let daemon: DaemonProcess;

  before(async () => {
    daemon = await DaemonProcess.start(env.file);
  });
  after(async () => {
    await daemon?.stop();
  });

  it("runs a CLI-enqueued job within 1 s, in its own attempt record", async () => {
    const id = run(env.file, {});
    await daemon.waitForJob(id, "succeeded");
    const job = show(env.file, id);
    assert.equal(job.status, "succeeded");
    assert.equal(job.submitted_by, "cli");
    assert.equal(job.attempts.length, 1);
    const effect = env.effects().find((e) => e.jobId === id);
    assert.ok(effect);
    const latency = effect.startedMs - Date.parse(job.created_at);
    assert.ok(latency < 1000, `CLI job started ${latency} ms after it was enqueued`);
  });

  it("retries with backoff base * 2^(n-1) + random(0, base), then succeeds", async () => {
    const id = run(env.file, { fail_until_attempt: 3 });
    await daemon.waitForJob(id, "succeeded");
    const job = show(env.file, id);
    assert.deepEqual(
      job.attempts.map((a) => a.status),
      ["failed", "failed", "succeeded"],
    );
    for (const n of [1, 2]) {
      const prev = job.attempts[n - 1]!;
      const next = job.attempts[n]!;
      const gap = Date.parse(next.started_at) - Date.parse(prev.completed_at);
      const min = 100 * 2 ** (n - 1);
      assert.ok(gap >= min, `gap before attempt ${n + 1} was ${gap} ms, expected >= ${min}`);
      assert.ok(
        gap < min + 100 + 400,
        `gap before attempt ${n + 1} was ${gap} ms, expected < ${min + 100} (+ slack)`,
      );
    }
  });

  it("exit 78 and retry:false are dead after one attempt; exit 75 is retried to the limit", async () => {
    const ex78 = run(env.file, { exit: 78 });
    const noRetry = run(env.file, { response: { status: "error", error: "bad record", retry: false } });
    const ex75 = run(env.file, { exit: 75 });
    await daemon.waitForJob(ex78, "dead");
    await daemon.waitForJob(noRetry, "dead");
    await daemon.waitForJob(ex75, "dead");
    assert.equal(show(env.file, ex78).attempts.length, 1);
    const nr = show(env.file, noRetry);
    assert.equal(nr.attempts.length, 1);
    assert.equal(nr.last_error, "bad record");
    const t = show(env.file, ex75);
    assert.equal(t.attempts.length, 3);
    assert.ok(t.attempts.every((a) => a.status === "failed" && a.retryable === true));
  });

  it("a timeout is recorded as timed_out and retried", async () => {
    // Its own daemon with a short timeout: the shared one's is long enough that a loaded
    // machine's slow Node start-up is never mistaken for a timeout in the other tests.
    const short = setup({ handleTimeout: "500ms" });
    const shortDaemon = await DaemonProcess.start(short.file);
    const id = run(short.file, { sleep_ms: 20_000 });
    try {
      await shortDaemon.waitForJob(id, "dead", 20_000);
    } finally {
      await shortDaemon.stop();
    }
    const job = show(short.file, id);
    assert.deepEqual(
      job.attempts.map((a) => a.status),
      ["timed_out", "timed_out", "timed_out"],
    );
    assert.match(job.last_error ?? "", /timed out after 500ms/);
  });

  it("state: shallow merge, state_replace, and an oversize state rejected with nothing applied", async () => {
    const step = async (script: unknown, status: "succeeded" | "dead") => {
      await daemon.waitForJob(run(env.file, script), status);
      return JSON.parse(cli(["state", "get", "scripted", "--json", "--config", env.file]).stdout);
    };
    cli(["state", "set", "scripted", "{}", "--config", env.file]);
    assert.deepEqual(await step({ response: { state_updates: { a: 1, b: { x: 1 } } } }, "succeeded"), {
      a: 1,
      b: { x: 1 },
    });
    assert.deepEqual(await step({ response: { state_updates: { b: 2, c: null } } }, "succeeded"), {
      a: 1,
      b: 2,
      c: null,
    });
    assert.deepEqual(
      await step({ response: { state_updates: { z: 1 }, state_replace: true } }, "succeeded"),
      { z: 1 },
    );
    const before = await step(
      { state_blob_bytes: 1024 * 1024 + 1, emit: [{ type: "fan", payload: {} }] },
      "dead",
    );
    assert.deepEqual(before, { z: 1 }, "nothing from the oversize response applied");
    const dead = show(env.file, daemon.lines.filter((l) => l.job_status === "dead").at(-1)?.job_id as string);
    assert.match(dead.last_error ?? "", /limit/);
    assert.deepEqual(dead.events, [], "no events from the rejected response");
  });

  it("fans one event with a dedupe key out to two routes: two jobs, both run", async () => {
    const id = run(env.file, { emit: [{ type: "fan", payload: { n: 1 }, dedupe_key: `fan-${Date.now()}` }] });
    await daemon.waitForJob(id, "succeeded");
    const job = show(env.file, id);
    assert.equal(job.events.length, 1);
    const routed = job.events[0]!.routed_to;
    assert.equal(routed.length, 2);
    for (const child of routed) {
      await daemon.waitForJob(child, "succeeded");
      const c = show(env.file, child);
      assert.equal(c.parent_job_id, id);
      assert.equal(c.source_event_id, job.events[0]!.event_id);
      assert.equal(c.submitted_by, "route");
    }
    const effects = env.effects().filter((e) => e.eventId === job.events[0]!.event_id);
    assert.deepEqual(effects.map((e) => e.plugin).sort(), ["scripted", "scripted-b"]);
  });

  it("a dedupe key that already succeeded within the TTL is reported and not enqueued", async () => {
    const key = `once-${Date.now()}`;
    const first = run(env.file, {}, ["--dedupe-key", key]);
    await daemon.waitForJob(first, "succeeded");
    const again = cliJson<{ duplicate_of?: string; job_id?: string }>([
      "run",
      "scripted",
      "--event",
      '{"type":"test","payload":{}}',
      "--dedupe-key",
      key,
      "--config",
      env.file,
    ]);
    assert.equal(again.status, 0);
    assert.deepEqual(again.json, { duplicate_of: first });
    const human = cli([
      "run",
      "scripted",
      "--event",
      '{"type":"test"}',
      "--dedupe-key",
      key,
      "--config",
      env.file,
    ]);
    assert.match(human.stdout + human.stderr, new RegExp(first));
  });

  it("a route loop A→B→A stops at max_route_depth, with the drop recorded", async () => {
    const root = run(env.file, { emit: [{ type: "loop", payload: { script: { emit_same: true } } }] });
    // depth 0 (root) → 1 → 2 → 3 run; the event from depth 3 is dropped.
    let id = root;
    const chain: string[] = [root];
    for (;;) {
      await daemon.waitForJob(id, "succeeded");
      const job = show(env.file, id);
      const next = job.events[0]?.routed_to[0];
      if (!next) {
        assert.match(job.events[0]?.dropped ?? "", /max_route_depth/);
        break;
      }
      chain.push(next);
      id = next;
      assert.ok(chain.length <= 10, "loop did not stop");
    }
    assert.equal(chain.length, 4);
    await daemon.waitFor((l) => l.level === "error" && /max_route_depth/.test(l.message));
  });

  it("a second start exits 1 naming the running PID", () => {
    const r = cli(["start", "--config", env.file]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`PID ${daemon.pid}`));
  });
});

describe("single instance lock", () => {
  it("a second start exits 1 without touching the database", async () => {
    const env = setup();
    const first = await DaemonProcess.start(env.file);
    await first.stop();
    // A fresh state dir whose lock is held by a running daemon elsewhere is covered above; here the
    // database of a stopped daemon must not be created or migrated by a refused start.
    const other = setup();
    const holder = await DaemonProcess.start(other.file);
    const dbFile = join(other.dir, "data", "postern.db");
    const before = readFileSync(dbFile);
    const r = cli(["start", "--config", other.file]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /already running/);
    assert.deepEqual(readFileSync(dbFile), before);
    await holder.stop();
  });
});

describe("crash recovery", () => {
  it("after SIGKILL of the core, the old plugin process group is gone before the job re-runs", async () => {
    const env = setup({ handleTimeout: "10s" });
    const pidFile = join(env.dir, "plugin.pid");
    // The plugin holds until the test opens this gate, so it is surely still running when the
    // restarted core recovers its job, however slow the machine is.
    const gate = join(env.dir, "gate");
    let daemon = await DaemonProcess.start(env.file);
    let oldPid = 0;
    try {
      const id = run(env.file, { wait_for_file: gate, pid_file: pidFile, fail_until_attempt: 2 });
      await daemon.waitFor((l) => l.job_id === id && /attempt 1 of 3 started/.test(l.message));
      await waitForFile(pidFile);
      oldPid = Number(readFileSync(pidFile, "utf8"));
      daemon.child.kill("SIGKILL");
      await daemon.exited;
      assert.equal(isAlive(oldPid), true, "the plugin outlives a SIGKILLed core");

      daemon = await DaemonProcess.start(env.file);
      const recovered = await daemon.waitFor(
        (l) => l.job_id === id && /orphaned by a core restart/.test(l.message),
      );
      assert.equal(recovered.killed_process_group, true);
      assert.equal(isAlive(oldPid), false, "old group killed at recovery");
      writeFileSync(gate, "");
      await daemon.waitForJob(id, "succeeded");
      const job = show(env.file, id);
      assert.equal(job.attempts[0]?.error, "core restarted during attempt");
      const runs = env.effects().filter((e) => e.jobId === id);
      assert.equal(runs.length, 2);
    } finally {
      // A failure above must not leave the daemon or the gated plugin running (the test file
      // would never end).
      writeFileSync(gate, "");
      if (oldPid > 0 && isAlive(oldPid)) process.kill(oldPid, "SIGKILL");
      await daemon.stop("SIGKILL");
    }
  });

  it("a plugin's long-lived grandchild does not keep the lock of a killed core", async () => {
    const env = setup();
    const gcPid = join(env.dir, "grandchild.pid");
    let daemon = await DaemonProcess.start(env.file);
    const id = run(env.file, { grandchild: "setsid", grandchild_pid_file: gcPid });
    await daemon.waitForJob(id, "succeeded");
    const grandchild = Number(readFileSync(gcPid, "utf8"));
    try {
      assert.equal(isAlive(grandchild), true, "the setsid grandchild escaped the group");
      daemon.child.kill("SIGKILL");
      await daemon.exited;
      daemon = await DaemonProcess.start(env.file);
      await daemon.stop();
    } finally {
      process.kill(grandchild, "SIGKILL");
    }
  });

  it("SIGTERM lets the job in flight finish within shutdown_grace, else re-queues it without using an attempt", async () => {
    // The first job outlasts the CLI call that queues the second (even on a loaded machine),
    // and finishes well inside its grace.
    const env = setup({ handleTimeout: "30s", shutdownGrace: "10s" });
    const daemon = await DaemonProcess.start(env.file);
    const id = run(env.file, { sleep_ms: 3000 });
    const running = await daemon.waitFor((l) => l.job_id === id && /started/.test(l.message));
    assert.ok(running);
    const hung = run(env.file, {});
    const exit = await daemon.stop("SIGTERM");
    assert.equal(exit.code, 0);
    assert.equal(show(env.file, id).status, "succeeded", "finished within its grace");
    assert.equal(show(env.file, hung).status, "queued", "not started after the signal");

    const slow = setup({ handleTimeout: "30s" });
    const d2 = await DaemonProcess.start(slow.file);
    const long = run(slow.file, { sleep_ms: 20_000 });
    await d2.waitFor((l) => l.job_id === long && /started/.test(l.message));
    const exit2 = await d2.stop("SIGTERM");
    assert.equal(exit2.code, 0);
    await d2.waitFor((l) => l.job_id === long && /re-queued, attempt not consumed/.test(l.message));
    const job = show(slow.file, long);
    assert.equal(job.status, "queued");
    assert.equal(job.attempt, 1);
    assert.equal(job.attempts.length, 0);
  });
});

/** Resolves once `file` exists (watching its directory: an event, not a sleep loop). */
async function waitForFile(file: string, timeoutMs = 10_000): Promise<void> {
  const watcher = watch(dirname(file));
  try {
    const appeared = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${file} never appeared`)), timeoutMs);
      const check = () => {
        if (existsSync(file) && readFileSync(file, "utf8") !== "") {
          clearTimeout(timer);
          resolve();
        }
      };
      watcher.on("change", check);
      check();
    });
    await appeared;
  } finally {
    watcher.close();
  }
}
