/** Helpers for the operations tests (reload, init/health, status) against the real daemon. */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StatusReport } from "../../src/status/model.js";
import type { CliResult } from "../helpers/cli.js";
import { DaemonProcess } from "../helpers/daemon.js";
import { fixturePluginsDir, postern } from "../helpers/paths.js";

export { SECRET } from "../http/helpers.js";

/**
 * Runs the CLI without blocking the test's event loop: `postern reload` waits for the daemon's
 * verdict, and meanwhile the daemon's log lines must keep being read (a full stdout pipe would
 * stall the daemon).
 */
export function cliAsync(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(postern, args, {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** A port that was free a moment ago (bound to 0 by us, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export interface OpsEnv {
  dir: string;
  file: string;
  recordFile: string;
  /** Rewrites the config file with this YAML body (the common header is prepended). */
  write(body: string, header?: string): void;
  /** Every request reload-probe received, in order. */
  records(): { command: string; job_id: string; config: Record<string, unknown> }[];
}

export function opsEnv(): OpsEnv {
  const dir = mkdtempSync(join(tmpdir(), "postern-ops-"));
  mkdirSync(join(dir, "out"));
  const file = join(dir, "postern.yaml");
  const recordFile = join(dir, "probe.jsonl");
  const header = `service: { state_dir: ./data, log_level: debug, shutdown_grace: 2s, tick_interval: 1s }
plugins_dir: ${fixturePluginsDir}
`;
  return {
    dir,
    file,
    recordFile,
    write(body, h = header) {
      writeFileSync(file, `${h}${body}`);
    },
    records() {
      if (!existsSync(recordFile)) return [];
      return readFileSync(recordFile, "utf8")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l));
    },
  };
}

export async function startDaemon(env: OpsEnv): Promise<{ daemon: DaemonProcess; port: number }> {
  const daemon = await DaemonProcess.start(env.file);
  const listening = await daemon.waitFor((l) => /^listening on http:/.test(l.message));
  return { daemon, port: listening.port as number };
}

/** `postern run ... --json` → the job id (asserts it was enqueued). */
export async function enqueue(config: string, plugin: string, event?: unknown): Promise<string> {
  const args = ["run", plugin, "--config", config, "--json"];
  if (event !== undefined) args.push("--event", JSON.stringify(event));
  const r = await cliAsync(args);
  if (r.status !== 0) throw new Error(`run failed (${r.status}): ${r.stdout} ${r.stderr}`);
  const json = JSON.parse(r.stdout) as { job_id?: string };
  if (!json.job_id) throw new Error(`not enqueued: ${r.stdout}`);
  return json.job_id;
}

export interface JobView {
  id: string;
  status: string;
  plugin: string;
  last_error: string | null;
  attempts: { status: string; error: string | null }[];
}

export async function showJob(config: string, id: string): Promise<JobView> {
  const r = await cliAsync(["jobs", "show", id, "--config", config, "--json"]);
  if (r.status !== 0) throw new Error(`jobs show failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as JobView;
}

export async function listJobs(config: string, plugin: string): Promise<JobView[]> {
  const r = await cliAsync(["jobs", "list", "--plugin", plugin, "--config", config, "--json"]);
  if (r.status !== 0) throw new Error(`jobs list failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as JobView[];
}

/** `status --json` as the CLI prints it (SPEC §13.1); the shape is the status model's. */
export type StatusJson = StatusReport;

export async function status(
  config: string,
  extra: string[] = ["--no-health"],
): Promise<{ status: number | null; json: StatusJson }> {
  const r = await cliAsync(["status", "--config", config, "--json", ...extra]);
  try {
    return { status: r.status, json: JSON.parse(r.stdout) as StatusJson };
  } catch {
    throw new Error(`status not JSON (${r.status}): ${r.stdout} ${r.stderr}`);
  }
}
