/** Runs the real `bin/postern` as a child process, as a user would. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { postern } from "./paths.js";

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function cli(
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string; input?: string } = {},
): CliResult {
  const r = spawnSync(postern, args, {
    encoding: "utf8",
    env: { ...process.env, ...opts.env },
    cwd: opts.cwd,
    input: opts.input,
    timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function cliJson<T = unknown>(
  args: string[],
  opts: Parameters<typeof cli>[1] = {},
): { status: number | null; json: T; stderr: string } {
  const r = cli([...args, "--json"], opts);
  let json: T;
  try {
    json = JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${r.status}): ${r.stdout}\nstderr: ${r.stderr}`);
  }
  return { status: r.status, json, stderr: r.stderr };
}

/** A temp directory with a postern.yaml holding `yaml`; returns the config path. */
export function tempConfig(yaml: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "postern-cli-"));
  const file = join(dir, "postern.yaml");
  writeFileSync(file, yaml);
  return { dir, file };
}
