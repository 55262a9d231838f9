// Webhook ingress (SPEC §15): signed, durably committed webhooks per second through the real
// daemon, beside a minimal node:http baseline doing the same HMAC check and the same SQLite
// insert (bench/baseline-server.mjs), measured the same way in the same run. Target: Postern
// ≥ 0.7 × baseline. Load: autocannon, loopback only, bounded by rounds × servers × duration.
//
// The servers take turns, round after round, and each is scored by its median round: on a
// shared machine, a burst of load elsewhere then spoils one round of every server alike
// instead of the whole of one server's run.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
import { root, startDaemon, stopDaemon, waitDrained, writeConfig } from "../lib/daemon.mjs";
import { cpuSeconds, peakRssMb } from "../lib/proc.mjs";
import { formatTop, newestProfile, topSelfTime } from "../lib/profile.mjs";
import { deliveryBody, presetHeaders, SECRET, signedHeaders } from "../lib/signed.mjs";
import { median, round } from "../lib/stats.mjs";

export const name = "ingress";
export const TARGET = 0.7;
/** Issue 21's V1.1 targets (docs/performance.md), shown in the table beside the V1 one above. */
export const V11 = { ratio4: 1.0, ratio50: 1.5, draining: 0.8, peakRssMb: 100 };

/**
 * A draining round at 50 connections leaves thousands of accepted jobs, and the no-op plugin runs
 * some 80 a second here: their drain between rounds is not what this figure measures.
 */
const DRAIN = { timeoutMs: 600_000, what: "backlog of the draining rounds" };

const body = deliveryBody();
const headers = signedHeaders(body);

async function drive(server, duration, connections) {
  const cpuBefore = cpuSeconds(server.pid);
  const r = await autocannon({
    url: `http://127.0.0.1:${server.port}${server.path}`,
    method: "POST",
    headers: server.headers ?? headers,
    body,
    connections,
    duration,
  });
  return {
    perSecond: r["2xx"] / duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    cpuUs: ((cpuSeconds(server.pid) - cpuBefore) * 1e6) / Math.max(1, r["2xx"]),
    rejected: r.non2xx + r.errors,
  };
}

/**
 * The real daemon. `hold`: first queue one job of a plugin that sleeps until killed, so the
 * serial dispatcher stays busy and the numbers are the listener's (parse, verify, commit).
 * Otherwise the dispatcher runs the no-op jobs as they arrive, in the same process and on the
 * same database as the listener: a spawn and three more fsync'd commits per job.
 */
async function postern(dir, pluginsDir, { hold, nodeArgs = [], provider = null }) {
  const config = writeConfig(dir, {
    pluginsDir,
    secret: SECRET,
    plugins: { noop: "{}", hold: "{ timeouts: { handle: 1h } }" },
    endpoints: [
      { path: "/hook/bench", plugin: "noop", provider },
      { path: "/hook/hold", plugin: "hold" },
    ],
  });
  const daemon = await startDaemon(config, { nodeArgs });
  const server = {
    port: daemon.port,
    path: "/hook/bench",
    pid: daemon.pid,
    headers: provider ? presetHeaders(provider, body) : headers,
    stop: () => stopDaemon(daemon),
  };
  if (hold) {
    const res = await fetch(`http://127.0.0.1:${daemon.port}/hook/hold`, { method: "POST", headers, body });
    if (res.status !== 202) throw new Error(`the hold webhook answered ${res.status}, expected 202`);
    await waitDrained(daemon.port);
  }
  return server;
}

async function baseline(dir) {
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    process.execPath,
    [join(root, "bench", "baseline-server.mjs"), join(dir, "baseline.db"), SECRET],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const [line] = await once(createInterface({ input: child.stdout }), "line");
  return {
    port: JSON.parse(line).port,
    path: "/hook",
    pid: child.pid,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}

const score = (rs) => ({
  perSecond: median(rs.map((r) => r.perSecond)),
  p50: median(rs.map((r) => r.p50)),
  p99: median(rs.map((r) => r.p99)),
  cpuUs: median(rs.map((r) => r.cpuUs)),
  rejected: rs.reduce((n, r) => n + r.rejected, 0),
  rounds: rs.map((r) => Math.round(r.perSecond)),
});

/**
 * Runs all rounds; returns the scores of baseline, held (listener only) and draining, and with
 * `provider` also `preset`: the held daemon with that provider preset on its endpoint (SPEC §17:
 * within 5 % of hmac).
 */
export async function measureIngress({ tmp, pluginsDir, rounds, duration, connections, provider = null }) {
  const servers = {};
  try {
    servers.baseline = await baseline(join(tmp, "baseline"));
    servers.held = await postern(join(tmp, "held"), pluginsDir, { hold: true });
    if (provider) servers.preset = await postern(join(tmp, "preset"), pluginsDir, { hold: true, provider });
    servers.draining = await postern(join(tmp, "draining"), pluginsDir, { hold: false });
    const names = Object.keys(servers);
    for (const n of names) await drive(servers[n], 1, connections); // warm-up (JIT, page cache)
    await waitDrained(servers.draining.port, DRAIN);
    const results = Object.fromEntries(names.map((n) => [n, []]));
    for (let r = 0; r < rounds; r++) {
      for (const n of names) {
        results[n].push(await drive(servers[n], duration, connections));
        // Its backlog must not run while the next server is measured.
        if (n === "draining") await waitDrained(servers.draining.port, DRAIN);
      }
    }
    const paired = median(results.held.map((r, i) => r.perSecond / results.baseline[i].perSecond));
    // VmHWM: the most the daemon held resident at any point of this ingress (and its start).
    const peak = {
      baseline: peakRssMb(servers.baseline.pid),
      held: peakRssMb(servers.held.pid),
      draining: peakRssMb(servers.draining.pid),
    };
    return {
      peakRssMb: peak,
      baseline: score(results.baseline),
      held: score(results.held),
      draining: score(results.draining),
      preset: results.preset ? score(results.preset) : null,
      presetPairedRatio: results.preset
        ? median(results.preset.map((r, i) => r.perSecond / results.held[i].perSecond))
        : null,
      pairedRatio: paired,
    };
  } finally {
    for (const s of Object.values(servers)) await s.stop();
  }
}

export async function run(ctx) {
  const opts = {
    tmp: join(ctx.tmp, "ingress"),
    pluginsDir: ctx.plugins.dir,
    rounds: ctx.quick ? 2 : 5,
    duration: ctx.quick ? 2 : 3,
    connections: 4,
  };
  ctx.log(`ingress: ${opts.rounds} rounds × ${opts.duration} s per server, ${opts.connections} connections`);
  const m = await measureIngress(opts);
  // The same with 50 connections (issue 21): fresh daemons, so their VmHWM is this load's peak.
  const opts50 = { ...opts, tmp: join(ctx.tmp, "ingress-50"), connections: 50 };
  ctx.log(`ingress: ${opts50.rounds} rounds × ${opts50.duration} s per server, 50 connections`);
  const m50 = await measureIngress(opts50);
  const b = m.baseline;
  const b50 = m50.baseline;
  const ratio = (x, y) => (y > 0 ? x / y : null);
  const rows = [
    {
      figure: "webhook ingress accepted/s (dispatcher busy)",
      postern: round(m.held.perSecond, 0),
      baseline: round(b.perSecond, 0),
      ratio: round(ratio(m.held.perSecond, b.perSecond)),
      target: `>= ${V11.ratio4} (V1: ${TARGET})`,
      pass: ratio(m.held.perSecond, b.perSecond) >= V11.ratio4,
    },
    {
      figure: "webhook ingress p50 ms (dispatcher busy)",
      postern: round(m.held.p50),
      baseline: round(b.p50),
      ratio: round(ratio(m.held.p50, b.p50)),
      target: "<= baseline + 0.5 ms",
      pass: m.held.p50 <= b.p50 + 0.5,
    },
    {
      figure: "webhook ingress p99 ms (dispatcher busy)",
      postern: round(m.held.p99),
      baseline: round(b.p99),
      ratio: round(ratio(m.held.p99, b.p99)),
      target: "-",
      pass: null,
    },
    {
      figure: "webhook ingress accepted/s (draining jobs)",
      postern: round(m.draining.perSecond, 0),
      baseline: round(b.perSecond, 0),
      ratio: round(ratio(m.draining.perSecond, b.perSecond)),
      target: `>= ${V11.draining}`,
      pass: ratio(m.draining.perSecond, b.perSecond) >= V11.draining,
    },
    {
      figure: "webhook ingress accepted/s, 50 connections (dispatcher busy)",
      postern: round(m50.held.perSecond, 0),
      baseline: round(b50.perSecond, 0),
      ratio: round(ratio(m50.held.perSecond, b50.perSecond)),
      target: `>= ${V11.ratio50}`,
      pass: ratio(m50.held.perSecond, b50.perSecond) >= V11.ratio50,
    },
    {
      figure: "webhook ingress p99 ms, 50 connections (dispatcher busy)",
      postern: round(m50.held.p99),
      baseline: round(b50.p99),
      ratio: round(ratio(m50.held.p99, b50.p99)),
      target: "<= baseline",
      pass: m50.held.p99 <= b50.p99,
    },
    {
      figure: "webhook ingress accepted/s, 50 connections (draining jobs)",
      postern: round(m50.draining.perSecond, 0),
      baseline: round(b50.perSecond, 0),
      ratio: round(ratio(m50.draining.perSecond, b50.perSecond)),
      target: "-",
      pass: null,
    },
    {
      figure: "peak RSS MB, 50-connection ingress (dispatcher busy)",
      postern: round(m50.peakRssMb.held, 1),
      baseline: round(m50.peakRssMb.baseline, 1),
      ratio: round(ratio(m50.peakRssMb.held, m50.peakRssMb.baseline)),
      target: `<= ${V11.peakRssMb} MB`,
      pass: m50.peakRssMb.held <= V11.peakRssMb,
    },
  ];
  const details = {
    ...opts,
    tmp: undefined,
    pluginsDir: undefined,
    body_bytes: Buffer.byteLength(body),
    paired_ratio: round(m.pairedRatio),
    baseline: m.baseline,
    held: m.held,
    draining: m.draining,
    peak_rss_mb: m.peakRssMb,
    connections_50: {
      baseline: m50.baseline,
      held: m50.held,
      draining: m50.draining,
      paired_ratio: round(m50.pairedRatio),
      peak_rss_mb: m50.peakRssMb,
    },
  };
  if (ctx.profile) {
    // Where the listener's time goes: the held daemon once more, under --cpu-prof.
    const profDir = join(ctx.resultsDir, "profiles", "ingress");
    mkdirSync(profDir, { recursive: true });
    const server = await postern(join(opts.tmp, "profiled"), opts.pluginsDir, {
      hold: true,
      nodeArgs: ["--cpu-prof", "--cpu-prof-dir", profDir],
    });
    try {
      await drive(server, opts.duration, opts.connections);
    } finally {
      await server.stop();
    }
    details.profile = topSelfTime(newestProfile(profDir), 15);
    ctx.log(formatTop(details.profile));
  }
  // Every request should be accepted in a steady run; refusals are reported, not hidden.
  const rejected = m.held.rejected + m.draining.rejected + m50.held.rejected + m50.draining.rejected;
  if (rejected > 0) ctx.log(`ingress: ${rejected} requests were not answered 2xx (see latest-details.json)`);
  return { rows, details };
}
