/**
 * The hostile plugin zoo: real executable fixtures, each with its asserted outcome (SPEC §5.3,
 * §6.4). Timeouts are short and configured; nothing here sleeps.
 */
import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { v7 as uuidv7 } from "uuid";
import type { LoadedPlugin, PluginCommand } from "../../src/plugins/types.js";
import { pluginEnvironment } from "../../src/runner/env.js";
import { buildRequest } from "../../src/runner/request.js";
import { type RunLimits, type RunResult, runPlugin } from "../../src/runner/run.js";
import { fixturePluginsDir } from "../helpers/paths.js";
import { isAlive, leftovers, listProcesses } from "../helpers/procs.js";

const spawnedGroups = new Set<number>();
const MB = 1024 * 1024;

function fixture(name: string): LoadedPlugin {
  const dir = join(fixturePluginsDir, name);
  return {
    name,
    dir,
    entrypoint: join(dir, "run"),
    root: fixturePluginsDir,
    manifest: {
      name,
      version: "1.0.0",
      protocol: 1,
      entrypoint: "run",
      description: null,
      commands: ["poll", "handle", "health", "init"],
      config_keys: { required: [], optional: [] },
    },
  };
}

async function run(
  name: string,
  opts: {
    timeoutMs?: number;
    limits?: Partial<RunLimits>;
    state?: Record<string, unknown>;
    env?: Record<string, string>;
    command?: PluginCommand;
  } = {},
): Promise<RunResult> {
  const jobId = uuidv7();
  const command = opts.command ?? "poll";
  const timeoutMs = opts.timeoutMs ?? 5000;
  const result = await runPlugin({
    plugin: fixture(name),
    command,
    request: buildRequest({
      jobId,
      command,
      attempt: 1,
      config: { k: "v" },
      state: opts.state ?? {},
      nowMs: Date.now(),
      timeoutMs,
    }),
    timeoutMs,
    env: pluginEnvironment(process.env, { plugin: name, command, jobId }, opts.env ?? {}),
    limits: { killGraceMs: 300, streamLingerMs: 300, ...opts.limits },
    onSpawn: (info) => spawnedGroups.add(info.pgid),
  });
  if (result.pid !== null) spawnedGroups.add(result.pid);
  return result;
}

function assertOutcome(r: RunResult, status: string, retryable: boolean, error?: RegExp): void {
  assert.equal(r.outcome.status, status, `status (error: ${r.outcome.error})`);
  assert.equal(r.outcome.retryable, retryable, "retryable");
  if (error) assert.match(r.outcome.error ?? "", error);
}

describe("runner: well-behaved plugin", () => {
  it("succeeds, passes the request on stdin and parses the response", async () => {
    const r = await run("ok");
    assertOutcome(r, "succeeded", false);
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout, null, "stdout is not persisted on success");
    const event = r.outcome.response?.events?.[0];
    assert.equal(event?.type, "echo");
    assert.equal((event?.payload as { command?: string } | undefined)?.command, "poll");
    assert.deepEqual(r.outcome.response?.logs, [{ level: "info", message: "hello" }]);
  });

  it("gets a clean environment, its own directory and its own process group", async () => {
    const r = await run("env-dump", { env: { EXTRA: "1", POSTERN_PLUGIN: "liar" } });
    assertOutcome(r, "succeeded", false);
    const s = r.outcome.response?.state_updates as { env: Record<string, string>; cwd: string };
    const allowed = new Set(["PATH", "HOME", "USER", "LANG", "LC_ALL", "TZ", "TMPDIR", "EXTRA"]);
    for (const key of Object.keys(s.env)) {
      assert.ok(allowed.has(key) || key.startsWith("POSTERN_"), `unexpected variable ${key} in plugin env`);
    }
    assert.equal(s.env.POSTERN_PLUGIN, "env-dump", "the env block cannot override POSTERN_PLUGIN");
    assert.equal(s.env.POSTERN_COMMAND, "poll");
    assert.match(s.env.POSTERN_JOB_ID ?? "", /^[0-9a-f-]{36}$/);
    assert.equal(s.env.EXTRA, "1");
    assert.equal(s.cwd, join(fixturePluginsDir, "env-dump"));
  });
});

describe("runner: hostile plugins", () => {
  it("hangs → timed_out (retryable) within the deadline plus grace", async () => {
    const r = await run("hang", { timeoutMs: 200 });
    assertOutcome(r, "timed_out", true, /timed out after 200ms/);
    assert.equal(r.timedOut, true);
    assert.ok(r.durationMs < 200 + 300 + 1500, `took ${r.durationMs} ms`);
  });

  it("ignores SIGTERM → SIGKILL after the grace, timed_out", async () => {
    const r = await run("ignore-term", { timeoutMs: 200, limits: { killGraceMs: 200 } });
    assertOutcome(r, "timed_out", true);
    assert.equal(r.signal, "SIGKILL");
    assert.ok(r.durationMs >= 400, `SIGKILL came after the grace (${r.durationMs} ms)`);
    assert.match(r.stderr, /ignoring SIGTERM/);
  });

  it("exits but a grandchild holds stdout → returns after the linger, uses what it read, kills the grandchild", async () => {
    const pidFile = join(mkdtempSync(join(tmpdir(), "postern-zoo-")), "pid");
    const r = await run("grandchild-holds-stdout", {
      env: { GRANDCHILD_PID_FILE: pidFile },
      limits: { streamLingerMs: 250 },
    });
    assertOutcome(r, "succeeded", false);
    assert.ok(r.durationMs >= 250 && r.durationMs < 3000, `returned after ${r.durationMs} ms`);
    const grandchild = Number(readFileSync(pidFile, "utf8"));
    assert.ok(grandchild > 0);
    assert.equal(isAlive(grandchild), false, "grandchild was killed with the group");
  });

  it("writes 50 MB to stdout → protocol error at the 10 MB cap, group killed, memory bounded", async () => {
    const r = await run("stdout-flood");
    assertOutcome(r, "failed", true, /protocol error: stdout exceeded 10 MB/);
    assert.ok(r.peakBuffered.stdout <= 10 * MB, `held ${r.peakBuffered.stdout} bytes of stdout`);
    assert.equal(r.stdout?.length, 64 * 1024, "first 64 KB persisted on protocol error");
    assert.equal(r.outcome.protocolError, true);
  });

  it("writes 20 MB to stderr → keeps the last 1 MB while running and persists the last 64 KB", async () => {
    const r = await run("stderr-flood");
    assertOutcome(r, "succeeded", false);
    assert.ok(r.peakBuffered.stderr <= 1 * MB, `held ${r.peakBuffered.stderr} bytes of stderr`);
    assert.equal(Buffer.byteLength(r.stderr), 64 * 1024);
    assert.ok(r.stderr.endsWith("last stderr line\n"));
    assert.ok(!r.stderr.includes("first stderr line"));
    assert.equal(r.stderrTruncated, true);
    const total = 20 * MB + "first stderr line\n".length + "last stderr line\n".length;
    assert.equal(r.stderrBytesTotal, total);
    assert.equal(r.stderrBytesDropped, total - 64 * 1024);
  });

  const protocolErrors: [string, RegExp][] = [
    ["invalid-json", /protocol error: stdout is not one JSON object/],
    [
      "two-objects",
      /protocol error: stdout is not one JSON object \(exactly one JSON object, nothing after it\)/,
    ],
    ["trailing-text", /protocol error: stdout is not one JSON object/],
    ["silent", /protocol error: no response on stdout/],
    ["json-array", /protocol error: response must be a JSON object, got an array/],
    ["wrong-types", /protocol error: invalid response: .*retry.*events.*state_updates/],
    ["no-status", /protocol error: invalid response: status/],
    ["protocol-2", /protocol error: response protocol 2 is not 1/],
    ["invalid-utf8", /protocol error: stdout is not valid UTF-8/],
    ["many-events", /protocol error: invalid response: events: at most 1000 events/],
  ];
  for (const [name, error] of protocolErrors) {
    it(`${name} → protocol error (retryable), stdout persisted, nothing applied`, async () => {
      const r = await run(name);
      assertOutcome(r, "failed", true, error);
      assert.equal(r.outcome.protocolError, true);
      assert.equal(r.outcome.response, null, "nothing from the response is applied");
      assert.notEqual(r.stdout, null);
    });
  }

  it("exits 78 → failed, not retryable, even though the response says retry:true", async () => {
    const r = await run("exit-78");
    assertOutcome(r, "failed", false, /missing api key/);
    assert.equal(r.exitCode, 78);
  });

  it("exits 75 → failed, retryable, stderr kept", async () => {
    const r = await run("exit-75");
    assertOutcome(r, "failed", true, /exit code 75/);
    assert.match(r.stderr, /service unavailable/);
    assert.equal(r.stderrTruncated, false);
  });

  it("exits 3 with a valid retry:false response → failed, not retryable, with its error", async () => {
    const r = await run("exit-3-no-retry");
    assertOutcome(r, "failed", false, /^record rejected by API$/);
  });

  it("exits 3 with no response → failed, retryable, 'exit code 3'", async () => {
    const r = await run("exit-3");
    assertOutcome(r, "failed", true, /^exit code 3$/);
  });

  it("status:error response → failed, retryable by default", async () => {
    const r = await run("error-status");
    assertOutcome(r, "failed", true, /^upstream returned 500$/);
  });

  it("dies by SIGSEGV → failed, retryable, 'killed by SIGSEGV'", async () => {
    const r = await run("segv");
    assertOutcome(r, "failed", true, /^killed by SIGSEGV$/);
    assert.equal(r.signal, "SIGSEGV");
  });

  it("dies by SIGKILL from itself → failed, retryable (a signal the core did not send)", async () => {
    const r = await run("self-kill");
    assertOutcome(r, "failed", true, /^killed by SIGKILL$/);
    assert.equal(r.timedOut, false);
  });

  it("never reads stdin while the core writes 1 MB to it → EPIPE is not an error, outcome from exit+stdout", async () => {
    const r = await run("ignores-stdin", { state: { big: "x".repeat(MB) } });
    assertOutcome(r, "succeeded", false);
  });

  it("entrypoint missing → failed, not retryable", async () => {
    const r = await run("missing-entrypoint");
    assertOutcome(r, "failed", false, /not found/);
    assert.equal(r.pid, null);
  });

  it("entrypoint not executable → failed, not retryable", async () => {
    const r = await run("not-executable");
    assertOutcome(r, "failed", false, /not executable/);
  });

  it("a refusal at spawn time (trust re-check) → failed, not retryable, nothing spawned", async () => {
    const r = await runPlugin({
      plugin: fixture("ok"),
      command: "poll",
      request: buildRequest({
        jobId: uuidv7(),
        command: "poll",
        attempt: 1,
        config: {},
        state: {},
        nowMs: 0,
        timeoutMs: 1000,
      }),
      timeoutMs: 1000,
      env: {},
      recheckTrust: () => "entrypoint is now a symlink outside plugins_dir",
    });
    assertOutcome(r, "failed", false, /refused at spawn: entrypoint is now a symlink/);
    assert.equal(r.pid, null);
  });

  it("a huge state_updates is a valid response (the 1 MB state limit is applied at commit)", async () => {
    const r = await run("huge-state");
    assertOutcome(r, "succeeded", false);
    assert.equal(String(r.outcome.response?.state_updates?.blob ?? "").length, 2 * MB);
  });
});

after(() => {
  const left = leftovers(spawnedGroups);
  assert.deepEqual(left, [], `processes left behind: ${JSON.stringify(left)}`);
});

describe("runner: abort (shutdown after the grace period)", () => {
  it("kills the group at once and reports the attempt as aborted", async () => {
    const controller = new AbortController();
    const jobId = uuidv7();
    const pending = runPlugin({
      plugin: fixture("hang"),
      command: "poll",
      request: buildRequest({
        jobId,
        command: "poll",
        attempt: 1,
        config: {},
        state: {},
        nowMs: 0,
        timeoutMs: 60_000,
      }),
      timeoutMs: 60_000,
      env: pluginEnvironment(process.env, { plugin: "hang", command: "poll", jobId }, {}),
      limits: { killGraceMs: 300, streamLingerMs: 300 },
      abort: controller.signal,
      onSpawn: (info) => {
        spawnedGroups.add(info.pgid);
        controller.abort();
      },
    });
    const r = await pending;
    assert.equal(r.aborted, true);
    assert.equal(r.timedOut, false);
    assert.ok(r.durationMs < 5000);
  });
});

describe("runner: failures around the spawn itself", () => {
  function tempPlugin(): LoadedPlugin {
    const dir = mkdtempSync(join(tmpdir(), "postern-spawn-"));
    const entrypoint = join(dir, "run");
    writeFileSync(entrypoint, '#!/bin/sh\ncat >/dev/null\necho \'{"status":"ok"}\'\n', { mode: 0o755 });
    return { ...fixture("ok"), name: "temp", dir, entrypoint };
  }
  const request = () =>
    buildRequest({
      jobId: uuidv7(),
      command: "poll",
      attempt: 1,
      config: {},
      state: {},
      nowMs: 0,
      timeoutMs: 2000,
    });

  it("ETXTBSY (entrypoint open for writing) is a retryable failed attempt, not an exception", async () => {
    const plugin = tempPlugin();
    const fd = openSync(plugin.entrypoint, "r+");
    try {
      const r = await runPlugin({ plugin, command: "poll", request: request(), timeoutMs: 2000, env: {} });
      assertOutcome(r, "failed", true, /ETXTBSY/);
      assert.equal(r.pid, null);
    } finally {
      closeSync(fd);
    }
  });

  it("if recording the spawn fails, the process is killed and the attempt fails (retryable)", async () => {
    const r = await runPlugin({
      plugin: fixture("hang"),
      command: "poll",
      request: request(),
      timeoutMs: 60_000,
      env: {},
      limits: { killGraceMs: 300, streamLingerMs: 300 },
      onSpawn: (info) => {
        spawnedGroups.add(info.pgid);
        throw new Error("SQLITE_BUSY: database is locked");
      },
    });
    assertOutcome(r, "failed", true, /could not record the spawn: SQLITE_BUSY/);
    assert.ok(r.durationMs < 5000);
  });

  it("an already-aborted attempt spawns nothing", async () => {
    const controller = new AbortController();
    controller.abort();
    const r = await runPlugin({
      plugin: fixture("ok"),
      command: "poll",
      request: request(),
      timeoutMs: 2000,
      env: {},
      abort: controller.signal,
    });
    assert.equal(r.aborted, true);
    assert.equal(r.pid, null);
  });
});

describe("runner: deep JSON (issue 22)", () => {
  /** `[[[…]]]`, `depth` levels, built without recursion. */
  function nested(depth: number): unknown {
    let v: unknown = [];
    for (let i = 1; i < depth; i++) v = [v];
    return v;
  }

  it("a request too deep to serialise starts no process at all: a non-retryable failure", async () => {
    // A job queued before the depth limit existed: its state (or payload) is past the stack.
    const before = new Set(
      listProcesses()
        .filter((p) => p.ppid === process.pid)
        .map((p) => p.pid),
    );
    let spawned = false;
    const jobId = uuidv7();
    const r = await runPlugin({
      plugin: fixture("hang"),
      command: "poll",
      request: buildRequest({
        jobId,
        command: "poll",
        attempt: 1,
        config: {},
        state: { deep: nested(200_000) },
        nowMs: Date.now(),
        timeoutMs: 60_000,
      }),
      timeoutMs: 60_000,
      env: {},
      limits: { killGraceMs: 300, streamLingerMs: 300 },
      onSpawn: () => {
        spawned = true;
      },
    });
    assertOutcome(r, "failed", false, /request could not be serialised, no process was started/);
    assert.match(r.outcome.error ?? "", /128 levels/);
    assert.equal(r.pid, null);
    assert.equal(spawned, false);
    const children = listProcesses().filter((p) => p.ppid === process.pid && !before.has(p.pid));
    assert.deepEqual(children, [], "no plugin process outlives the attempt");
  });

  for (const depth of [200, 100_000]) {
    it(`a response nested ${depth} levels is a protocol error naming the limit, stdout kept`, async () => {
      const r = await run("deep-response", { env: { DEPTH: String(depth) } });
      assertOutcome(r, "failed", true, /response nests deeper than 128 levels/);
      assert.equal(r.outcome.protocolError, true);
      assert.equal(r.exitCode, 0);
      assert.ok(r.stdout?.startsWith('{"status":"ok","state_updates":{"deep":[[['), "stdout kept");
    });
  }

  it("a response within the limit is accepted as it is", async () => {
    const r = await run("deep-response", { env: { DEPTH: "120" } });
    assertOutcome(r, "succeeded", false);
    assert.equal(r.outcome.response?.events?.[0]?.type, "deep");
  });
});
