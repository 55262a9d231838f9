/**
 * The one assembly of a plugin command run (src/plugin-run/run-command.ts): what every caller
 * (daemon jobs and inits, the CLI's health check and exec) gets from it, run against real
 * fixture processes.
 */
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { PluginConfig } from "../../src/config/types.js";
import { FakeClock, isoUtc } from "../../src/core/clock.js";
import {
  commandTimeoutMs,
  DEFAULT_PLUGIN_TIMEOUTS,
  runPluginCommand,
} from "../../src/plugin-run/run-command.js";
import { discoverPlugins } from "../../src/plugins/discover.js";
import type { LoadedPlugin } from "../../src/plugins/types.js";
import { COMMANDS } from "../../src/plugins/types.js";
import { configOf, yaml } from "../config/helpers.js";
import { fixturePluginsDir } from "../helpers/paths.js";

const pluginsDir = realpathSync(mkdtempSync(join(tmpdir(), "postern-plugin-run-")));
after(() => rmSync(pluginsDir, { recursive: true, force: true }));

/** A fixture copied into this file's own plugins_dir and loaded through discovery (trust checks). */
function load(name: string): LoadedPlugin {
  cpSync(join(fixturePluginsDir, name), join(pluginsDir, name), { recursive: true });
  const listing = discoverPlugins(pluginsDir).find((l) => l.name === name);
  assert.ok(listing?.plugin, `${name} loads: ${listing?.reason}`);
  return listing.plugin;
}

const envDump = load("env-dump");

function pluginConfig(overrides: Partial<PluginConfig> = {}): PluginConfig {
  const config = configOf(yaml("plugins:", "  env-dump:", "    config: { k: v }"));
  const pc = config.plugins["env-dump"];
  assert.ok(pc);
  return { ...pc, ...overrides };
}

interface Dumped {
  env: Record<string, string>;
  request: { deadline_at: string; job_id: string; attempt: number; config: unknown; state: unknown };
}

function dumped(result: { outcome: { response: { state_updates?: unknown } | null } }): Dumped {
  return result.outcome.response?.state_updates as Dumped;
}

describe("plugin-run: timeouts", () => {
  it("a plugin directory not in the config gets the config's own default timeouts", () => {
    const loaded = pluginConfig();
    assert.deepEqual(DEFAULT_PLUGIN_TIMEOUTS, loaded.timeouts);
    for (const command of COMMANDS) {
      assert.equal(commandTimeoutMs(undefined, command), loaded.timeouts[command]);
    }
  });

  it("the request's deadline is the configured timeout of that command", async () => {
    const clock = new FakeClock(Date.UTC(2026, 5, 1, 12));
    const pc = pluginConfig({ timeouts: { poll: 1000, handle: 2000, health: 3456, init: 4000 } });
    const { request, result } = await runPluginCommand({
      plugin: envDump,
      command: "health",
      pluginConfig: pc,
      coreEnv: process.env,
      state: { seen: 1 },
      clock,
    });
    assert.equal(result.outcome.status, "succeeded", result.outcome.error ?? "");
    assert.equal(request.deadline_at, isoUtc(clock.now() + 3456));
    assert.deepEqual(
      dumped(result).request,
      JSON.parse(JSON.stringify(request)),
      "the plugin got this request",
    );
    assert.deepEqual(request.config, { k: "v" });
    assert.deepEqual(request.state, { seen: 1 });
  });
});

describe("plugin-run: request and environment", () => {
  it("a job's id and attempt reach the request and the environment; the core's secrets do not", async () => {
    const { request, result } = await runPluginCommand({
      plugin: envDump,
      command: "poll",
      pluginConfig: pluginConfig({ env: { API_TOKEN: "from-the-plugin-block" } }),
      coreEnv: { PATH: process.env.PATH, CORE_SECRET: "never-passed-on" },
      state: {},
      jobId: "0190a000-0000-7000-8000-000000000001",
      attempt: 3,
    });
    assert.equal(result.outcome.status, "succeeded", result.outcome.error ?? "");
    const { env } = dumped(result);
    assert.equal(request.job_id, "0190a000-0000-7000-8000-000000000001");
    assert.equal(request.attempt, 3);
    assert.equal(env.POSTERN_JOB_ID, request.job_id);
    assert.equal(env.POSTERN_PLUGIN, "env-dump");
    assert.equal(env.POSTERN_COMMAND, "poll");
    assert.equal(env.API_TOKEN, "from-the-plugin-block");
    assert.equal(env.CORE_SECRET, undefined);
  });

  it("a run that is not a job gets a fresh id, attempt 1, config {} and no plugin env", async () => {
    const { request, result } = await runPluginCommand({
      plugin: envDump,
      command: "health",
      pluginConfig: undefined,
      coreEnv: process.env,
      state: {},
    });
    assert.equal(result.outcome.status, "succeeded", result.outcome.error ?? "");
    assert.match(request.job_id, /^[0-9a-f-]{36}$/);
    assert.equal(dumped(result).env.POSTERN_JOB_ID, request.job_id);
    assert.equal(request.attempt, 1);
    assert.deepEqual(request.config, {});
  });

  it("the caller's limits reach the runner", async () => {
    const { result } = await runPluginCommand({
      plugin: envDump,
      command: "poll",
      pluginConfig: undefined,
      coreEnv: process.env,
      state: {},
      limits: { stdoutMaxBytes: 16 },
    });
    assert.equal(result.outcome.protocolError, true);
    assert.match(result.outcome.error ?? "", /stdout exceeded 16 bytes/);
  });
});

describe("plugin-run: trust re-check at spawn", () => {
  it("an entrypoint swapped for a symlink after load is refused and nothing runs", async () => {
    const plugin = load("ok");
    const outside = join(mkdtempSync(join(tmpdir(), "postern-outside-")), "run");
    writeFileSync(outside, '#!/bin/sh\necho \'{"status":"ok"}\'\n', { mode: 0o755 });
    rmSync(plugin.entrypoint);
    symlinkSync(outside, plugin.entrypoint);
    const { result } = await runPluginCommand({
      plugin,
      command: "poll",
      pluginConfig: undefined,
      coreEnv: process.env,
      state: {},
    });
    assert.equal(result.outcome.status, "failed");
    assert.equal(result.outcome.retryable, false);
    assert.match(result.outcome.error ?? "", /refused at spawn/);
    assert.equal(result.pid, null);
  });
});
