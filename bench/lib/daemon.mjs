// The real daemon as a child process for the benchmarks: a temp config, `bin/postern start`
// with its JSON log going to a file (as under a service manager: a pipe to this process would
// cost it CPU), the port read from that log, /healthz, "drained", and a bounded stop.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const root = fileURLToPath(new URL("../..", import.meta.url));
export const posternBin = join(root, "bin", "postern");

/** Resolves after `ms`. Only for polling loops that are bounded by a deadline. */
export const pause = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Writes `dir/postern.yaml`. `plugins` maps a plugin name to its YAML flow mapping (e.g.
 * "{ timeouts: { handle: 1h } }"); `endpoints` lists { path, plugin, provider? } signed with `secret`.
 */
export function writeConfig(dir, opts) {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "postern.yaml");
  const plugins = Object.entries(opts.plugins)
    .map(([name, body]) => `  ${JSON.stringify(name)}: ${body ?? "{}"}`)
    .join("\n");
  const endpoints = (opts.endpoints ?? [])
    .map(
      (e) =>
        `    - { path: ${JSON.stringify(e.path)}, plugin: ${JSON.stringify(e.plugin)}, secret: ${JSON.stringify(opts.secret)}${e.provider ? `, provider: ${e.provider}` : ""} }`,
    )
    .join("\n");
  const text =
    `service: { state_dir: ${JSON.stringify(opts.stateDir ?? join(dir, "data"))}, shutdown_grace: 1s${opts.service ? `, ${opts.service}` : ""} }\n` +
    `plugins_dir: ${JSON.stringify(opts.pluginsDir)}\n` +
    `plugins:\n${plugins}\n` +
    `webhooks:\n  listen: ${opts.listen ?? "127.0.0.1:0"}\n` +
    (endpoints ? `  endpoints:\n${endpoints}\n` : "  endpoints: []\n") +
    (opts.routes ? `routes:\n${opts.routes}\n` : "");
  writeFileSync(file, text);
  return file;
}

/**
 * Starts `postern start --config FILE`. bin/postern is a node script, so the child's pid is the
 * daemon itself (RSS and CPU read from /proc are the daemon's). `nodeArgs` (e.g. --cpu-prof)
 * run it through this node explicitly instead (so do POSTERN_BENCH_NODE_ARGS). Resolves once the log
 * names the port.
 */
export async function startDaemon(
  configFile,
  { logFile, nodeArgs: figureArgs = [], env = {}, waitPort = true } = {},
) {
  const log = logFile ?? join(configFile, "..", "postern.log");
  // POSTERN_BENCH_NODE_ARGS (space-separated): node flags for every daemon of the run, to measure
  // one (e.g. --max-semi-space-size=2, as the service unit sets it) against the same run's baseline.
  const nodeArgs = [...(process.env.POSTERN_BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean), ...figureArgs];
  const [cmd, args] =
    nodeArgs.length > 0
      ? [process.execPath, [...nodeArgs, posternBin, "start", "--config", configFile]]
      : [posternBin, ["start", "--config", configFile]];
  const spawnedAt = performance.now();
  const child = spawn(cmd, args, {
    stdio: ["ignore", openSync(log, "w"), "pipe"],
    env: { ...process.env, ...env },
  });
  const stderr = [];
  child.stderr.setEncoding("utf8").on("data", (d) => stderr.push(d));
  const exited = once(child, "exit");
  const daemon = { child, pid: child.pid, logFile: log, spawnedAt, stderr, exited, port: null };
  if (waitPort) daemon.port = await waitForPort(daemon);
  return daemon;
}

/** The port from the daemon's "listening on" log line (bounded: 15 s). */
export async function waitForPort(daemon, timeoutMs = 15_000) {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    if (daemon.child.exitCode !== null) {
      throw new Error(
        `postern exited (${daemon.child.exitCode}) before listening; stderr: ${daemon.stderr.join("").slice(-2000)}; log: ${daemon.logFile}`,
      );
    }
    const match = /"port":(\d+),.*"message":"listening on /.exec(readFileSync(daemon.logFile, "utf8"));
    if (match) return Number(match[1]);
    await pause(10);
  }
  throw new Error(
    `postern did not log its listening address within ${timeoutMs} ms (log: ${daemon.logFile})`,
  );
}

/** SIGTERM, then SIGKILL if it has not exited within `timeoutMs`. */
export async function stopDaemon(daemon, timeoutMs = 10_000) {
  if (!daemon || daemon.child.exitCode !== null || daemon.child.signalCode !== null) return;
  daemon.child.kill("SIGTERM");
  const timer = setTimeout(() => daemon.child.kill("SIGKILL"), timeoutMs);
  await daemon.exited;
  clearTimeout(timer);
}

export async function healthz(port) {
  let res;
  try {
    res = await fetch(`http://127.0.0.1:${port}/healthz`);
  } catch (e) {
    throw new Error(
      `the daemon on 127.0.0.1:${port} does not answer /healthz (${e.cause?.code ?? e.message}); has it exited? see its postern.log`,
    );
  }
  return { code: res.status, body: await res.json() };
}

/**
 * Until the queue is empty and no job is running (bounded). With `store` (read-only, from
 * openBenchStore): no job queued (ready or not) or running; without it: /healthz's queue_depth 0.
 */
export async function waitDrained(port, { store = null, timeoutMs = 120_000, what = "queue" } = {}) {
  for (let i = 0, deadline = Date.now() + timeoutMs; Date.now() < deadline; i++) {
    // With a store the bench asks its own read connection (WAL: it never blocks the daemon's
    // writer) and /healthz only once a second, to fail fast when the daemon died: polling /healthz
    // every 20 ms cost the measured daemon ~5 % of its CPU (issue 21 item 2, docs/performance.md).
    if (store !== null) {
      if (!store.hasOutstandingJobs()) return;
      if (i % 50 === 49) await healthz(port);
    } else if ((await healthz(port)).body.queue_depth === 0) return;
    await pause(20);
  }
  throw new Error(`the daemon's ${what} did not drain within ${timeoutMs / 1000} s`);
}

/** A port that was free a moment ago (for a daemon whose start must be timed from exec). */
export async function freePort() {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  server.close();
  await once(server, "close");
  return port;
}

/** Postern's own store module, from the build (dist/), with the system clock. */
export async function storeModule() {
  const url = (p) => pathToFileURL(join(root, "dist", "src", p)).href;
  const [store, clock] = await Promise.all([import(url("store/index.js")), import(url("core/clock.js"))]);
  return { ...store, systemClock: clock.systemClock };
}

export async function openBenchStore(stateDir, { readonly = false } = {}) {
  const { openStore, systemClock } = await storeModule();
  return openStore(stateDir, { clock: systemClock, readonly });
}
