// Issue 21 item 2, experiment: does the process that forks plugins need to be the big one?
//
// A parent the size of the daemon (ballast to --rss MB) runs N no-op plugin jobs serially, three ways:
//   direct   spawn() in the parent (what the daemon does): the fork copies the parent's page
//            tables and runs synchronously on its event loop, until the child has exec'd;
//   spawner  a small long-lived Node child (spawner-child.mjs) forks the plugin and relays its
//            stdio and exit over the IPC channel; the parent's loop only sends and receives messages;
//   worker   a worker thread of the parent calls spawn() and relays by postMessage: the fork is
//            still the big process's, but it blocks the worker's loop, not the main one.
// Meanwhile an HTTP server in the parent answers a client process that sends requests back to
// back over 4 keep-alive connections (the listener's stand-in: what the parent's loop still
// serves while it dispatches); each way runs once without that load and once with it. Reported per
// way, medians of rounds: jobs/s, the parent's event-loop utilisation, the loop delay p99
// (monitorEventLoopDelay), the requests/s the listener served (and served when nothing dispatches).
// Usage: node bench/experiments/spawner.mjs [--rss 75] [--jobs 300] [--rounds 3] PLUGIN_BINARY
import { fork, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import { resolve } from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? dflt : Number(args.splice(i, 2)[1]);
};
const rssMb = opt("rss", 75);
const jobs = opt("jobs", 300);
const rounds = opt("rounds", 3);
const binary = args[0] && resolve(args[0]);
if (!binary) throw new Error("usage: spawner.mjs [--rss MB] [--jobs N] [--rounds R] PLUGIN_BINARY");

// Ballast: touched pages, so the fork has the page tables of a daemon-sized process to copy.
const ballast = [];
while (process.memoryUsage().rss < rssMb * 1e6) ballast.push(Buffer.alloc(1 << 20, 1));

const input = `${JSON.stringify({ protocol: 1, job_id: "x", command: "handle", attempt: 1, config: {}, state: {}, event: { payload: "x".repeat(900) } })}\n`;
const env = {
  PATH: process.env.PATH,
  POSTERN_PLUGIN: "noop",
  POSTERN_COMMAND: "handle",
  POSTERN_JOB_ID: "x",
};

function direct() {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, [], { cwd: "/tmp", env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
    const out = [];
    child.stdout.on("data", (c) => out.push(c));
    child.on("error", reject);
    child.on("close", () => resolve(JSON.parse(Buffer.concat(out).toString())));
    child.stdin.end(input);
  });
}

let spawner = null;
let nextId = 0;
const pending = new Map();
function viaSpawner() {
  if (spawner === null) {
    spawner = fork(new URL("./spawner-child.mjs", import.meta.url), [], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    spawner.on("message", (m) => {
      const p = pending.get(m.id);
      if (m.type === "stdout") p.out += m.data;
      else if (m.type === "error") p.reject(new Error(m.code));
      else if (m.type === "close") {
        pending.delete(m.id);
        p.resolve(JSON.parse(p.out));
      }
    });
  }
  return new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { out: "", resolve, reject });
    spawner.send({ id, file: binary, cwd: "/tmp", env, input });
  });
}

let worker = null;
function viaWorker() {
  if (worker === null) {
    worker = new Worker(
      `const { parentPort } = require("node:worker_threads");
       const { spawn } = require("node:child_process");
       parentPort.on("message", (m) => {
         const child = spawn(m.file, [], { cwd: m.cwd, env: m.env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
         const out = [];
         child.stdout.on("data", (c) => out.push(c));
         child.stderr.resume();
         child.on("error", (e) => parentPort.postMessage({ id: m.id, error: e.code }));
         child.on("close", () => parentPort.postMessage({ id: m.id, out: Buffer.concat(out).toString() }));
         child.stdin.on("error", () => {});
         child.stdin.end(m.input);
       });`,
      { eval: true },
    );
    worker.on("message", (m) => {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.error) p.reject(new Error(m.error));
      else p.resolve(JSON.parse(m.out));
    });
  }
  return new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { out: "", resolve, reject });
    worker.postMessage({ id, file: binary, cwd: "/tmp", env, input });
  });
}

const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => res.end("{}"));
});
server.listen(0, "127.0.0.1");
await once(server, "listening");
const { port } = server.address();

// The client: its own process, 4 connections sending back to back until told to stop.
const clientSrc = `
const http = require("node:http");
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
let n = 0, active = false;
process.on("message", (m) => {
  if (m === "count") process.send(n), n = 0;
  if (m === "pause") active = false;
  if (m === "resume" && !active) { active = true; for (let i = 0; i < 4; i++) loop(); }
  if (m === "stop") process.exit(0);
});
function loop() { if (!active) return; const r = http.request({ port: ${port}, method: "POST", agent }, (res) => { res.resume(); res.on("end", () => { n++; loop(); }); }); r.on("error", () => setTimeout(loop, 10)); r.end("x".repeat(1000)); }
`;
const client = fork("-e", [clientSrc], { execArgv: [] });
const count = () =>
  new Promise((r) => {
    client.once("message", r);
    client.send("count");
  });

async function measure(run, { load }) {
  for (let i = 0; i < 10; i++) await run(); // warm-up (the spawner's own start is not counted)
  client.send(load ? "resume" : "pause");
  const delay = monitorEventLoopDelay({ resolution: 1 });
  await count();
  delay.enable();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  for (let i = 0; i < jobs; i++) {
    const r = await run();
    if (r.status !== "ok") throw new Error("the plugin did not answer ok");
  }
  const s = (performance.now() - t0) / 1000;
  const served = await count();
  client.send("pause");
  delay.disable();
  return {
    jobs_per_s: jobs / s,
    parent_loop_utilisation: performance.eventLoopUtilization(elu0).utilization,
    loop_delay_p99_ms: delay.percentile(99) / 1e6,
    listener_req_per_s: served / s,
  };
}

async function idleListener() {
  client.send("resume");
  await count();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, 2000));
  const served = await count();
  client.send("pause");
  return served / ((performance.now() - t0) / 1000);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ways = { direct, spawner: viaSpawner, worker: viaWorker };
const results = { idle: [] };
for (let r = 0; r < rounds; r++) {
  for (const [way, run] of Object.entries(ways)) {
    for (const load of [false, true]) {
      const key = load ? `${way}_with_listener_load` : way;
      results[key] ??= [];
      results[key].push(await measure(run, { load }));
    }
  }
  results.idle.push(await idleListener());
}
const summary = (rs) =>
  Object.fromEntries(Object.keys(rs[0]).map((k) => [k, Number(median(rs.map((x) => x[k])).toFixed(3))]));
console.log(
  JSON.stringify(
    {
      parent_rss_mb: Number((process.memoryUsage().rss / 1e6).toFixed(1)),
      jobs_per_round: jobs,
      rounds,
      listener_req_per_s_idle: Number(median(results.idle).toFixed(0)),
      ...Object.fromEntries(
        Object.entries(results)
          .filter(([k]) => k !== "idle")
          .map(([k, rs]) => [k, summary(rs)]),
      ),
      rounds_detail: results,
    },
    null,
    1,
  ),
);
client.send("stop");
spawner?.disconnect();
await worker?.terminate();
server.close();
server.closeAllConnections();
