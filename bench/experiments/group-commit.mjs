// Issue 21 item 1, experiment: measures the group-commit alternatives of group-commit-server.mjs
// side by side (per-request = the baseline, immediate = what Postern does, worker = a writer
// thread), at 4 and 50 connections, each with and without a dispatcher's commits beside the
// listener. Rounds alternate the modes, so drift on a shared machine hits them alike. Reports
// medians: accepted/s, p50 and p99 ms, and with --dispatch the dispatcher's commits/s.
// Usage: node bench/experiments/group-commit.mjs [--rounds 3] [--duration 5]
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import Database from "better-sqlite3";
import { deliveryBody, SECRET, signedHeaders } from "../lib/signed.mjs";
import { median, round } from "../lib/stats.mjs";

const { values } = parseArgs({
  options: { rounds: { type: "string", default: "3" }, duration: { type: "string", default: "5" } },
});
const rounds = Number(values.rounds);
const duration = Number(values.duration);
const MODES = ["per-request", "immediate", "worker"];
const body = deliveryBody();
const headers = signedHeaders(body);
const tmp = mkdtempSync(join(tmpdir(), "postern-gc-"));

async function start(mode, dispatch) {
  const file = join(tmp, `${mode}-${dispatch ? "d" : "i"}.db`);
  const child = spawn(
    process.execPath,
    [
      join(import.meta.dirname, "group-commit-server.mjs"),
      file,
      SECRET,
      mode,
      ...(dispatch ? ["--dispatch"] : []),
    ],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const [line] = await once(createInterface({ input: child.stdout }), "line");
  return { child, file, port: JSON.parse(line).port };
}

function dispatched(file) {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare("SELECT n FROM dispatched WHERE id = 1").get().n;
  } finally {
    db.close();
  }
}

async function drive(server, connections, dispatch) {
  const before = dispatch ? dispatched(server.file) : 0;
  const r = await autocannon({
    url: `http://127.0.0.1:${server.port}/hook`,
    method: "POST",
    headers,
    body,
    connections,
    duration,
  });
  return {
    perSecond: r["2xx"] / duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    dispatchPerSecond: dispatch ? (dispatched(server.file) - before) / duration : null,
    bad: r.non2xx + r.errors,
  };
}

const rows = [];
try {
  for (const dispatch of [false, true]) {
    for (const connections of [4, 50]) {
      const servers = {};
      for (const m of MODES) servers[m] = await start(m, dispatch);
      const results = Object.fromEntries(MODES.map((m) => [m, []]));
      for (const m of MODES) await drive(servers[m], connections, dispatch); // warm-up
      for (let i = 0; i < rounds; i++) {
        for (const m of MODES) results[m].push(await drive(servers[m], connections, dispatch));
      }
      for (const s of Object.values(servers)) {
        s.child.kill("SIGTERM");
        await once(s.child, "exit");
      }
      const base = median(results["per-request"].map((r) => r.perSecond));
      for (const m of MODES) {
        const rs = results[m];
        const perSecond = median(rs.map((r) => r.perSecond));
        rows.push({
          dispatcher: dispatch ? "committing" : "none",
          connections,
          mode: m,
          "accepted/s": Math.round(perSecond),
          "x per-request": round(perSecond / base, 2),
          "p50 ms": median(rs.map((r) => r.p50)),
          "p99 ms": median(rs.map((r) => r.p99)),
          "dispatcher commits/s": dispatch ? Math.round(median(rs.map((r) => r.dispatchPerSecond))) : "-",
          "non-2xx": rs.reduce((n, r) => n + r.bad, 0),
        });
      }
      process.stdout.write(
        `done: dispatcher ${dispatch ? "committing" : "none"}, ${connections} connections\n`,
      );
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
console.table(rows);
