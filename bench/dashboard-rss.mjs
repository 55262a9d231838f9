// The dashboard's memory cost (issue 9: at most 5 MB of idle RSS). Starts the real daemon twice
// on fresh state directories — dashboard disabled, then enabled with every page requested a
// few times — lets each sit idle, and compares VmRSS from /proc/PID/status. Loopback only;
// bounded in time (two daemons × (start + requests + idle)).
//   node bench/dashboard-rss.mjs [--idle SECONDS] [--rounds N]
// Also importable: `measureDashboardRss({ idleSeconds, rounds })` → {without_mb, with_mb, delta_mb}.
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { pause, root, startDaemon, stopDaemon, waitDrained, writeConfig } from "./lib/daemon.mjs";
import { rssMb } from "./lib/proc.mjs";
import { SECRET, signedHeaders } from "./lib/signed.mjs";

const TARGET_MB = 5;
const JOBS = 20;

async function get(port, path) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  const body = await res.text();
  return { status: res.status, body };
}

/** Signed webhooks, so the pages have jobs (and attempts) to show; the same in both runs. */
async function makeJobs(port) {
  for (let i = 0; i < JOBS; i++) {
    const body = JSON.stringify({ n: i });
    const res = await fetch(`http://127.0.0.1:${port}/hook/bench`, {
      method: "POST",
      headers: signedHeaders(body),
      body,
    });
    if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
  }
  await waitDrained(port, { timeoutMs: 60_000, what: "the webhook jobs" });
}

function daemon(dir, enabled) {
  const config = writeConfig(dir, {
    pluginsDir: join(root, "bench", "plugins"),
    plugins: { noop: "{}" },
    endpoints: [{ path: "/hook/bench", plugin: "noop" }],
    secret: SECRET,
  });
  appendFileSync(config, `dashboard: { enabled: ${enabled} }\n`);
  return startDaemon(config);
}

/** Every page a few times: the overview, plugins, jobs (filtered too), a job, an asset, a 404. */
async function browse(port, rounds) {
  const paths = ["/", "/plugins", "/jobs", "/jobs?plugin=noop&status=succeeded", "/jobs/nope"];
  const first = await get(port, "/");
  if (first.status !== 200) throw new Error(`GET / answered ${first.status}`);
  for (const m of first.body.matchAll(/(?:href|src)="(\/assets\/[^"]+)"/g)) paths.push(m[1]);
  const jobs = await get(port, "/jobs");
  for (const m of [...jobs.body.matchAll(/href="(\/jobs\/[0-9a-f-]{36})"/g)].slice(0, 3)) paths.push(m[1]);
  for (let i = 0; i < rounds; i++) for (const p of paths) await get(port, p);
}

export async function measureDashboardRss({ idleSeconds = 30, rounds = 5, log = () => {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "postern-dash-rss-"));
  const result = {};
  try {
    for (const [key, enabled] of [
      ["without_mb", false],
      ["with_mb", true],
    ]) {
      const d = await daemon(join(dir, key), enabled);
      try {
        // The same traffic for both: jobs and healthz, then (enabled) every dashboard page.
        await makeJobs(d.port);
        for (let i = 0; i < rounds; i++) await get(d.port, "/healthz");
        if (enabled) await browse(d.port, rounds);
        log(`${enabled ? "dashboard on " : "dashboard off"}: idle ${idleSeconds}s (pid ${d.pid})`);
        await pause(idleSeconds * 1000);
        result[key] = rssMb(d.pid);
      } finally {
        await stopDaemon(d);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const round = (x) => Math.round(x * 10) / 10;
  return {
    without_mb: round(result.without_mb),
    with_mb: round(result.with_mb),
    delta_mb: round(result.with_mb - result.without_mb),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const opt = (name, dflt) => {
    const i = args.indexOf(`--${name}`);
    return i === -1 ? dflt : Number(args[i + 1]);
  };
  const r = await measureDashboardRss({
    idleSeconds: opt("idle", 30),
    rounds: opt("rounds", 5),
    log: (m) => process.stdout.write(`${m}\n`),
  });
  process.stdout.write(
    `idle RSS: dashboard off ${r.without_mb} MB, on (every page requested) ${r.with_mb} MB, ` +
      `delta ${r.delta_mb} MB; target <= ${TARGET_MB} MB\n`,
  );
  if (r.delta_mb > TARGET_MB) process.exitCode = 1;
}
