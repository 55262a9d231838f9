/**
 * Runs plugins the way the daemon does (runPlugin with a real request, the clean environment,
 * the plugin's own directory as cwd), plus throwaway plugins written into a temp directory.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { v7 as uuidv7 } from "uuid";
import { discoverPlugins } from "../../src/plugins/discover.js";
import type { LoadedPlugin, PluginCommand } from "../../src/plugins/types.js";
import type { RequestEvent } from "../../src/protocol/messages.js";
import { pluginEnvironment } from "../../src/runner/env.js";
import { buildRequest } from "../../src/runner/request.js";
import { type RunResult, runPlugin } from "../../src/runner/run.js";
import { repoRoot } from "../helpers/paths.js";

export const sdkEntry = join(repoRoot, "dist/src/sdk/index.js");
export const pythonHelperDir = join(repoRoot, "src/sdk/python");

export const bundledPluginsDir = join(repoRoot, "plugins");

/** A plugin of this repository's plugins/, loaded through discovery and the trust checks. */
export function bundled(name: string): LoadedPlugin {
  const listing = discoverPlugins(bundledPluginsDir).find((l) => l.name === name);
  assert.ok(listing?.plugin, `${name} loads: ${listing?.reason}`);
  return listing.plugin;
}

export interface RunInput {
  command?: PluginCommand;
  config?: Record<string, unknown>;
  state?: Record<string, unknown>;
  event?: Partial<RequestEvent> & { type: string };
  timeoutMs?: number;
}

export function makeEvent(e: Partial<RequestEvent> & { type: string }): RequestEvent {
  return {
    event_id: uuidv7(),
    payload: {},
    source: "test",
    timestamp: "2026-02-08T06:12:44.120Z",
    dedupe_key: null,
    ...e,
  };
}

export async function runLoaded(plugin: LoadedPlugin, input: RunInput = {}): Promise<RunResult> {
  const command = input.command ?? (input.event ? "handle" : "poll");
  const jobId = uuidv7();
  const timeoutMs = input.timeoutMs ?? 10_000;
  return runPlugin({
    plugin,
    command,
    request: buildRequest({
      jobId,
      command,
      attempt: 1,
      config: input.config ?? {},
      state: input.state ?? {},
      event: input.event ? makeEvent(input.event) : null,
      nowMs: Date.now(),
      timeoutMs,
    }),
    timeoutMs,
    env: pluginEnvironment(process.env, { plugin: plugin.name, command, jobId }, {}),
    limits: { killGraceMs: 300, streamLingerMs: 300 },
  });
}

/** A throwaway plugin: one executable file in its own temp directory. */
export function tempPlugin(source: string, file = "run.mjs"): LoadedPlugin {
  const root = mkdtempSync(join(tmpdir(), "postern-sdk-"));
  const dir = join(root, "p");
  mkdirSync(dir);
  const entrypoint = join(dir, file);
  writeFileSync(entrypoint, source, { mode: 0o755 });
  return {
    name: "p",
    dir,
    entrypoint,
    root,
    manifest: {
      name: "p",
      version: "1.0.0",
      protocol: 1,
      entrypoint: file,
      description: null,
      commands: ["poll", "handle", "health", "init"],
      config_keys: { required: [], optional: [] },
    },
  };
}

/** A Node plugin using the built SDK; `body` is the module after the import line. */
export function jsPlugin(body: string): LoadedPlugin {
  return tempPlugin(`#!/usr/bin/env node\nimport * as sdk from ${JSON.stringify(sdkEntry)};\n${body}\n`);
}

/** A Python plugin using the helper; `body` follows `from postern_plugin import *`. */
export function pyPlugin(body: string): LoadedPlugin {
  const head = [
    "#!/usr/bin/env python3",
    "import sys",
    "sys.dont_write_bytecode = True",
    `sys.path.insert(0, ${JSON.stringify(pythonHelperDir)})`,
    "from postern_plugin import *",
  ].join("\n");
  return tempPlugin(`${head}\n${body}\n`, "run.py");
}

/** The response's fields, loosely typed for assertions. */
export function responseOf(r: RunResult): {
  status?: string;
  error?: string | null;
  retry?: boolean;
  events?: { type: string; payload?: unknown; dedupe_key?: string | null }[];
  state_updates?: Record<string, unknown>;
  logs?: { level: string; message: string }[];
} {
  return (r.outcome.response ?? {}) as never;
}
