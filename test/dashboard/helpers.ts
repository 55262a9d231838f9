/**
 * A real daemon with real jobs for the dashboard tests: its own plugins directory (copies of the
 * scripted fixture, plus a plugin that fails with stderr full of markup), a route so a poll's
 * event becomes a child job, and sentinel strings in every place a secret or a config value
 * lives (webhook secret, plugin config, plugin env, an ${ENV} interpolation, an event payload)
 * so the tests can prove none of them reaches a page.
 */
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DaemonProcess } from "../helpers/daemon.js";
import { fixturePluginsDir } from "../helpers/paths.js";
import { cliAsync } from "../ops/helpers.js";

export const SENTINELS = {
  webhookSecret: "SENTINEL-webhook-secret-7f3a",
  configValue: "SENTINEL-config-value-91bc",
  envInterpolated: "SENTINEL-from-environment-44de",
  pluginEnv: "SENTINEL-plugin-env-0c2e",
  eventPayload: "SENTINEL-event-payload-5a61",
} as const;

/** What the failing plugin writes to stderr: markup that must arrive escaped, never as markup. */
export const STDERR_MARKUP = `<script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2">`;
export const FAIL_ERROR = "upstream said <b>no</b> & gave up";

const SCRIPTED_MANIFEST = (name: string) => `name: ${name}
version: "1.0.0"
protocol: 1
entrypoint: run.mjs
description: dashboard test copy of the scripted fixture
commands: [poll, handle, health, init]
config_keys:
  required: []
  optional: [log_file, script, api_token]
`;

export function dashboardPlugins(root: string): string {
  const dir = join(root, "plugins");
  for (const name of ["scripted", "scripted-b"]) {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, "manifest.yaml"), SCRIPTED_MANIFEST(name));
    copyFileSync(join(fixturePluginsDir, "scripted", "run.mjs"), join(dir, name, "run.mjs"));
    chmodSync(join(dir, name, "run.mjs"), 0o755);
  }
  mkdirSync(join(dir, "failing"), { recursive: true });
  writeFileSync(
    join(dir, "failing", "manifest.yaml"),
    `name: failing
version: "1.0.0"
protocol: 1
entrypoint: run
description: fails every attempt, with markup on stderr
commands: [poll, handle]
`,
  );
  writeFileSync(
    join(dir, "failing", "run"),
    `#!/bin/sh
cat >/dev/null
echo "starting attempt" >&2
echo '${STDERR_MARKUP}' >&2
echo "giving up" >&2
echo '{"status":"error","error":"${FAIL_ERROR}"}'
`,
  );
  chmodSync(join(dir, "failing", "run"), 0o755);
  return dir;
}

export interface DashDaemon {
  daemon: DaemonProcess;
  port: number;
  base: string;
  config: string;
  env: Record<string, string>;
  /** `postern run PLUGIN` through the real CLI; resolves with the job id. */
  run(plugin: string): Promise<string>;
  /** Waits until the job's last attempt left it in this status. */
  settled(jobId: string, status: "succeeded" | "dead"): Promise<void>;
  stop(): Promise<void>;
}

export async function startDashDaemon(
  opts: { dashboard?: boolean; allowedHosts?: string[] } = {},
): Promise<DashDaemon> {
  const root = mkdtempSync(join(tmpdir(), "postern-dash-"));
  const plugins = dashboardPlugins(root);
  const config = join(root, "postern.yaml");
  const env = { DASH_TEST_TOKEN: SENTINELS.envInterpolated };
  writeFileSync(
    config,
    `service: { name: dash-test, state_dir: ./data, shutdown_grace: 2s }
plugins_dir: ${plugins}
plugins:
  scripted:
    config:
      api_token: \${DASH_TEST_TOKEN}
      script:
        emit:
          - { type: ping, payload: { note: ${SENTINELS.eventPayload} } }
    env: { SCRIPTED_TOKEN: ${SENTINELS.pluginEnv} }
  scripted-b:
    schedule: { every: 1h, jitter: 10m, preferred_window: { start: "00:00", end: "23:59" } }
    config: { script: {}, api_token: ${SENTINELS.configValue} }
  failing:
    retry: { max_attempts: 2, backoff_base: 50ms }
webhooks:
  listen: 127.0.0.1:0
  endpoints:
    - { path: /hook/test, plugin: scripted-b, secret: ${SENTINELS.webhookSecret} }
routes:
  - { from: scripted, event_type: ping, to: scripted-b }
${opts.dashboard === false ? "dashboard: { enabled: false }\n" : ""}${opts.allowedHosts ? `dashboard: { allowed_hosts: ${JSON.stringify(opts.allowedHosts)} }\n` : ""}`,
  );
  const daemon = await DaemonProcess.start(config, env);
  const listening = await daemon.waitFor((l) => /^listening on http:/.test(l.message));
  const port = listening.port as number;
  return {
    daemon,
    port,
    base: `http://127.0.0.1:${port}`,
    config,
    env,
    run: async (plugin) => {
      const r = await cliAsync(["run", plugin, "--config", config, "--json"], env);
      if (r.status !== 0) throw new Error(`postern run ${plugin} failed (${r.status}): ${r.stderr}`);
      return (JSON.parse(r.stdout) as { job_id: string }).job_id;
    },
    settled: async (jobId, status) => {
      await daemon.waitForJob(jobId, status, 20_000);
    },
    stop: async () => {
      await daemon.stop();
    },
  };
}

/** The job a route made from this (succeeded) job's event: it was committed with the parent. */
export async function childOf(d: DashDaemon, parentId: string, plugin: string): Promise<string> {
  const r = await cliAsync(["jobs", "list", "--plugin", plugin, "--json", "--config", d.config], d.env);
  const jobs = JSON.parse(r.stdout) as { id: string; parent_job_id: string | null }[];
  const child = jobs.find((j) => j.parent_job_id === parentId);
  if (!child) throw new Error(`no ${plugin} job with parent ${parentId}: ${r.stdout}`);
  return child.id;
}

export interface SeededJobs {
  /** A scripted poll that succeeded and emitted one routed event. */
  poll: string;
  /** The scripted-b job that event became. */
  child: string;
  /** A failing job, dead after its attempts (errors and stderr). */
  dead: string;
}

/** One job after the other, so the listing order is known: poll, its child, then the failing job. */
export async function seedJobs(d: DashDaemon): Promise<SeededJobs> {
  const poll = await d.run("scripted");
  await d.settled(poll, "succeeded");
  const child = await childOf(d, poll, "scripted-b");
  await d.settled(child, "succeeded");
  const dead = await d.run("failing");
  await d.settled(dead, "dead");
  return { poll, child, dead };
}

/**
 * How many distinct clock hours the jobs in this status finished in: the overview's chart has a
 * bar per hour, so jobs that finish either side of a full hour make two bars, not one.
 */
export async function finishedHours(d: DashDaemon, status: "succeeded" | "dead"): Promise<number> {
  const r = await cliAsync(["jobs", "list", "--status", status, "--json", "--config", d.config], d.env);
  const jobs = JSON.parse(r.stdout) as { completed_at: string | null }[];
  return new Set(jobs.map((j) => Math.floor(Date.parse(j.completed_at ?? "") / 3_600_000))).size;
}
