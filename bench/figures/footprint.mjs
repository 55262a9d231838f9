// Idle daemon (SPEC §15): start to /healthz 200 ≤ 500 ms, RSS ≤ 70 MB and CPU ≈ 0 when idle.
// Config: like examples/postern.yaml without its schedules (a scheduled run is work, not idle):
// the bundled echo, github and notify plugins, their webhook endpoints and a route, and the
// bench noop plugin. Start: from spawning bin/postern to the first 200 of /healthz on a port
// chosen beforehand, polled every 2 ms; several starts, median. Then the last daemon idles:
// VmRSS after the idle period, and its CPU time (utime+stime) over that period, which must be
// ≤ 1 % of one core ("≈ 0": no busy polling). Baseline columns (informational): an idle bare
// `node -e` process's RSS, and the start of a bare node:http server to its first 200.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { cpSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { freePort, pause, root, startDaemon, stopDaemon, writeConfig } from "../lib/daemon.mjs";
import { importCosts } from "../lib/imports.mjs";
import { cpuSeconds, rssMb, statusKb } from "../lib/proc.mjs";
import { formatTop, newestProfile, topSelfTime } from "../lib/profile.mjs";
import { SECRET } from "../lib/signed.mjs";
import { median, round } from "../lib/stats.mjs";

export const name = "footprint";
// Issue 21 (V1.1); V1 asked for 500 ms and 70 MB.
const START_TARGET_MS = 250;
const RSS_TARGET_MB = 60;
const CPU_TARGET_PCT = 1;

/** Polls GET /healthz until 200 (bounded); returns ms since `since` (performance.now()). */
async function firstHealthy(port, since, child, timeoutMs = 15_000) {
  for (const deadline = performance.now() + timeoutMs; performance.now() < deadline; ) {
    if (child.exitCode !== null)
      throw new Error(`footprint: the process exited (${child.exitCode}) before /healthz answered`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      await res.arrayBuffer();
      if (res.status === 200) return performance.now() - since;
    } catch {}
    await pause(2);
  }
  throw new Error(`footprint: /healthz did not answer 200 within ${timeoutMs} ms`);
}

function config(dir, pluginsDir, port, { minimal = false } = {}) {
  if (minimal) {
    return writeConfig(dir, {
      pluginsDir,
      secret: SECRET,
      listen: `127.0.0.1:${port}`,
      plugins: { noop: "{}" },
    });
  }
  return writeConfig(dir, {
    pluginsDir,
    secret: SECRET,
    listen: `127.0.0.1:${port}`,
    plugins: {
      echo: '{ config: { greeting: "hello from the bench" }, retry: { max_attempts: 3, backoff_base: 5s } }',
      github: "{ config: {} }",
      notify: `{ config: { file: ${JSON.stringify(join(dir, "notifications.log"))}, format: text, title: "{{type}}", template: "{{payload.title|payload}}" } }`,
      noop: "{}",
    },
    endpoints: [
      { path: "/hook/echo", plugin: "echo" },
      { path: "/hook/github", plugin: "github" },
      { path: "/hook/noop", plugin: "noop" },
    ],
    routes: "  - { from: github, event_type: github.push, to: notify }",
  });
}

/** A bare node:http server: spawn → first 200 (the least any Node daemon pays to start). */
async function bareNodeStart() {
  const port = await freePort();
  const script = `require("node:http").createServer((q,s)=>s.end("ok")).listen(${port},"127.0.0.1")`;
  const since = performance.now();
  const child = spawn(process.execPath, ["-e", script], { stdio: "ignore" });
  try {
    return await firstHealthy(port, since, child);
  } finally {
    child.kill("SIGTERM");
    if (child.exitCode === null) await once(child, "exit");
  }
}

export async function run(ctx) {
  const starts = ctx.quick ? 3 : 5;
  const idleS = ctx.quick ? 5 : 30;
  const dir = join(ctx.tmp, "footprint");
  const pluginsDir = join(dir, "plugins");
  mkdirSync(pluginsDir, { recursive: true });
  // The bundled plugins, copied so they sit beside noop in one plugins_dir.
  for (const p of ["echo", "github", "notify"])
    cpSync(join(root, "plugins", p), join(pluginsDir, p), { recursive: true });
  cpSync(join(ctx.plugins.dir, "noop"), join(pluginsDir, "noop"), { recursive: true });
  ctx.log(`footprint: ${starts} starts to /healthz 200, then ${idleS} s idle`);

  const startMs = [];
  const minimalMs = [];
  const bareMs = [];
  let daemon = null;
  /** One timed start; the daemon is left running. */
  const timedStart = async (runDir, opts = {}) => {
    const port = await freePort();
    const d = await startDaemon(config(runDir, pluginsDir, port, opts), {
      waitPort: false,
      nodeArgs: opts.nodeArgs ?? [],
    });
    try {
      return { daemon: d, ms: await firstHealthy(port, d.spawnedAt, d.child) };
    } catch (e) {
      await stopDaemon(d);
      throw e;
    }
  };
  try {
    // Alternated, so load elsewhere hits all three alike.
    for (let i = 0; i < starts; i++) {
      const min = await timedStart(join(dir, `min${i}`), { minimal: true });
      minimalMs.push(min.ms);
      await stopDaemon(min.daemon);
      bareMs.push(await bareNodeStart());
      const full = await timedStart(join(dir, `run${i}`));
      startMs.push(full.ms);
      if (i < starts - 1) await stopDaemon(full.daemon);
      else daemon = full.daemon;
    }
    // Idle: the last daemon beside an idle bare node process, both measured the same way.
    const bare = spawn(process.execPath, ["-e", "setInterval(() => {}, 60_000)"], { stdio: "ignore" });
    let cpuS;
    let elapsedS;
    let rss;
    let rssParts;
    let bareRss;
    try {
      const cpu0 = cpuSeconds(daemon.pid);
      const t0 = performance.now();
      await pause(idleS * 1000);
      cpuS = cpuSeconds(daemon.pid) - cpu0;
      elapsedS = (performance.now() - t0) / 1000;
      rss = rssMb(daemon.pid);
      rssParts = Object.fromEntries(
        ["RssAnon", "RssFile", "RssShmem"].map((f) => [f, round(statusKb(daemon.pid, f) / 1024, 1)]),
      );
      bareRss = rssMb(bare.pid);
    } finally {
      bare.kill("SIGTERM");
    }
    const cpuPct = (cpuS / elapsedS) * 100;
    const start = median(startMs);
    const bareStart = median(bareMs);
    const details = {
      starts_ms: startMs.map((x) => round(x, 1)),
      minimal_config_starts_ms: minimalMs.map((x) => round(x, 1)),
      minimal_config_start_median_ms: round(median(minimalMs), 1),
      bare_node_http_starts_ms: bareMs.map((x) => round(x, 1)),
      idle_seconds: round(elapsedS, 1),
      idle_cpu_seconds: round(cpuS, 2),
      rss_mb: round(rss, 1),
      rss_parts_mb: rssParts,
      bare_node_rss_mb: round(bareRss, 1),
      plugins: ["echo", "github", "notify", "noop"],
    };
    ctx.log(`  ${JSON.stringify(details)}`);
    if (ctx.profile) {
      // Where a start's time goes: one more start under --cpu-prof, stopped once healthy.
      await stopDaemon(daemon);
      daemon = null;
      const profDir = join(ctx.resultsDir, "profiles", "footprint-start");
      mkdirSync(profDir, { recursive: true });
      const prof = await timedStart(join(dir, "profiled"), {
        nodeArgs: ["--cpu-prof", "--cpu-prof-dir", profDir],
      });
      await stopDaemon(prof.daemon);
      details.start_profile = topSelfTime(newestProfile(profDir), 15);
      ctx.log(formatTop(details.start_profile));
      // And what the runtime dependencies and the daemon's own module graph cost to load.
      // The first entry, a tiny module, is the fixed cost of any first import.
      details.import_costs = importCosts([
        "./bench/lib/stats.mjs",
        "better-sqlite3",
        "commander",
        "luxon",
        "pino",
        "prom-client",
        "uuid",
        "yaml",
        "zod",
        "./dist/src/daemon/daemon.js",
        "./dist/src/cli/main.js",
      ]);
      ctx.log("  import cost in a fresh node (median ms, RSS MB added):");
      for (const c of details.import_costs)
        ctx.log(
          `    ${c.module.padEnd(28)} ${String(c.ms).padStart(6)} ms ${String(c.rss_mb).padStart(6)} MB`,
        );
    }
    return {
      rows: [
        {
          figure: "start to /healthz 200 ms",
          postern: round(start, 0),
          baseline: round(bareStart, 0),
          ratio: round(start / bareStart),
          target: `<= ${START_TARGET_MS} ms (V1: 500)`,
          pass: start <= START_TARGET_MS,
        },
        {
          figure: `idle RSS MB (after ${idleS} s)`,
          postern: round(rss, 1),
          baseline: round(bareRss, 1),
          ratio: round(rss / bareRss),
          target: `<= ${RSS_TARGET_MB} MB (V1: 70)`,
          pass: rss <= RSS_TARGET_MB,
        },
        {
          figure: `idle CPU % of one core (over ${idleS} s)`,
          postern: round(cpuPct, 2),
          baseline: null,
          ratio: null,
          target: `<= ${CPU_TARGET_PCT} %`,
          pass: cpuPct <= CPU_TARGET_PCT,
        },
      ],
      details,
    };
  } finally {
    await stopDaemon(daemon);
  }
}
