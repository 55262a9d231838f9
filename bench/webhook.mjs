// `npm run bench:webhook` (SPEC §15): signed, durably committed webhooks per second through the
// real daemon, beside a minimal node:http baseline doing the same HMAC check and the same
// SQLite insert (bench/baseline-server.mjs), measured the same way in the same run. Target:
// Postern ≥ 0.7 × baseline. Loopback only; bounded in time (rounds × servers × duration).
//   node bench/webhook.mjs [--rounds N] [--duration S] [--connections N]
// The servers take turns, round after round, and each is scored by its median round: on a
// shared machine, a burst of load elsewhere then spoils one round of every server alike
// instead of the whole of one server's run.
import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = Object.fromEntries(
  process.argv
    .slice(2)
    .join(" ")
    .split("--")
    .filter(Boolean)
    .map((a) => a.trim().split(/\s+/)),
);
const ROUNDS = Number(args.rounds ?? 5);
const DURATION = Number(args.duration ?? 3);
const CONNECTIONS = Number(args.connections ?? 4);
const SECRET = "bench secret";

// A GitHub-sized delivery: about 1 KB of JSON.
const body = JSON.stringify({
  action: "opened",
  number: 42,
  repository: { full_name: "octo/postern", private: false, default_branch: "main" },
  sender: { login: "octocat", id: 1, type: "User" },
  pull_request: { title: "Make the front door fast", body: "x".repeat(700), draft: false },
});
const headers = {
  "content-type": "application/json",
  "x-github-event": "pull_request",
  "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
};

/** CPU seconds (user + system) the server process has used so far. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ ticks
}

async function drive(server, duration) {
  const cpuBefore = cpuSeconds(server.pid);
  const r = await autocannon({
    url: `http://127.0.0.1:${server.port}${server.path}`,
    method: "POST",
    headers,
    body,
    connections: CONNECTIONS,
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
async function postern(dir, { hold }) {
  mkdirSync(dir, { recursive: true });
  const config = join(dir, "postern.yaml");
  writeFileSync(
    config,
    `service: { state_dir: ${join(dir, "data")}, shutdown_grace: 1s }
plugins_dir: ${join(root, "bench", "plugins")}
plugins:
  noop: {}
  hold: { timeouts: { handle: 1h } }
webhooks:
  listen: 127.0.0.1:0
  endpoints:
    - { path: /hook/bench, plugin: noop, secret: ${JSON.stringify(SECRET)} }
    - { path: /hook/hold, plugin: hold, secret: ${JSON.stringify(SECRET)} }
`,
  );
  // Logs go to a file, as under a service manager; a pipe to this process would cost it CPU.
  const logFile = join(dir, "postern.log");
  const child = spawn(join(root, "bin", "postern"), ["start", "--config", config], {
    stdio: ["ignore", openSync(logFile, "w"), "inherit"],
  });
  const port = await waitForPort(logFile, child);
  // bin/postern is a node script: the daemon is this very process.
  const server = { port, path: "/hook/bench", child, pid: child.pid };
  if (hold) {
    const res = await fetch(`http://127.0.0.1:${port}/hook/hold`, { method: "POST", headers, body });
    if (res.status !== 202) throw new Error(`hold webhook answered ${res.status}`);
    await drained(server);
  }
  return server;
}

async function baseline(dir) {
  mkdirSync(dir, { recursive: true });
  const script = join(root, "bench", "baseline-server.mjs");
  const child = spawn(process.execPath, [script, join(dir, "baseline.db"), SECRET], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [line] = await once(createInterface({ input: child.stdout }), "line");
  return { port: JSON.parse(line).port, path: "/hook", child, pid: child.pid };
}

/** Until the daemon's queue is empty (claimed jobs leave the queue depth). */
async function drained(server, timeoutMs = 120_000) {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    const health = await (await fetch(`http://127.0.0.1:${server.port}/healthz`)).json();
    if (health.queue_depth === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the daemon's queue did not drain in time");
}

async function waitForPort(logFile, child) {
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
    if (child.exitCode !== null) throw new Error(`postern exited (${child.exitCode}) before listening`);
    const match = /"port":(\d+),.*"message":"listening on /.exec(readFileSync(logFile, "utf8"));
    if (match) return Number(match[1]);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("postern did not log its listening address within 15 s");
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = mkdtempSync(join(tmpdir(), "postern-bench-"));
const servers = {};
try {
  process.stdout.write(
    `webhook ingress: ${ROUNDS} rounds × ${DURATION} s per server, ${CONNECTIONS} connections, ` +
      `${Buffer.byteLength(body)} B signed JSON bodies\n` +
      `machine: ${availableParallelism()} CPUs (${cpus()[0]?.model ?? "?"}), node ${process.version}\n\n`,
  );
  servers.baseline = await baseline(join(dir, "baseline"));
  servers.held = await postern(join(dir, "held"), { hold: true });
  servers.draining = await postern(join(dir, "draining"), { hold: false });
  const names = Object.keys(servers);
  for (const name of names) await drive(servers[name], 1); // warm-up (JIT, page cache)
  await drained(servers.draining);
  const results = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of names) {
      results[name].push(await drive(servers[name], DURATION));
      // Its backlog must not run while the next server is measured.
      if (name === "draining") await drained(servers.draining);
    }
  }
  const score = (rs) => ({
    perSecond: median(rs.map((r) => r.perSecond)),
    p50: median(rs.map((r) => r.p50)),
    p99: median(rs.map((r) => r.p99)),
    cpuUs: median(rs.map((r) => r.cpuUs)),
    rejected: rs.reduce((n, r) => n + r.rejected, 0),
    rounds: rs.map((r) => r.perSecond.toFixed(0)).join(" "),
  });
  const b = score(results.baseline);
  const rows = [
    ["node:http baseline", b],
    ["postern (dispatcher busy)", score(results.held)],
    ["postern (draining jobs)", score(results.draining)],
  ];
  const cols = [
    "server".padEnd(26),
    "accepted/s",
    " p50 ms",
    " p99 ms",
    " ratio",
    "CPU µs/req",
    "non-2xx",
    "  rounds (accepted/s)",
  ];
  process.stdout.write(`${cols.join(" ")}\n`);
  for (const [name, r] of rows) {
    const ratio = (r.perSecond / b.perSecond).toFixed(2);
    process.stdout.write(
      `${name.padEnd(26)} ${r.perSecond.toFixed(0).padStart(10)} ${String(r.p50).padStart(7)} ${String(r.p99).padStart(7)} ${ratio.padStart(6)} ${r.cpuUs.toFixed(0).padStart(10)} ${String(r.rejected).padStart(7)}   ${r.rounds}\n`,
    );
  }
  const paired = median(results.held.map((r, i) => r.perSecond / results.baseline[i].perSecond));
  process.stdout.write(
    `\nlistener vs baseline: ${(rows[1][1].perSecond / b.perSecond).toFixed(2)} (medians), ` +
      `${paired.toFixed(2)} (median of per-round ratios); target >= 0.70 (SPEC §15)\n`,
  );
} finally {
  for (const s of Object.values(servers)) {
    s.child.kill("SIGTERM");
    if (s.child.exitCode === null) await once(s.child, "exit");
  }
  rmSync(dir, { recursive: true, force: true });
}
