/**
 * `npm run chaos`: the long crash test (SIGKILL at random moments while webhooks arrive and
 * jobs fan out), then the hostile-HTTP run. Prints a summary per part, writes
 * bench/results/chaos-latest.json, and exits 1 naming what was lost or wrong. docs/chaos.md
 * explains each check.
 *
 *   npm run chaos -- [--seed N] [--rounds N] [--hostile-seconds N] [--jobs N]
 *                    [--webhooks-per-second N] [--max-kill-delay MS] [--hostile-volume X]
 *
 * --rounds 0 skips the crash part, --hostile-seconds 0 the hostile one.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type CrashTestReport, runCrashTest } from "../test/chaos/crash.js";
import { type HostileReport, runHostileHttp } from "../test/chaos/hostile-http.js";
import { repoRoot } from "../test/helpers/paths.js";

const { values } = parseArgs({
  options: {
    seed: { type: "string", default: String(Date.now() % 100_000) },
    rounds: { type: "string", default: "40" },
    jobs: { type: "string", default: "400" },
    "webhooks-per-second": { type: "string", default: "8" },
    "max-kill-delay": { type: "string", default: "1500" },
    "hostile-seconds": { type: "string", default: "60" },
    "hostile-volume": { type: "string", default: "1" },
  },
});

function whole(name: string, min: number): number {
  const raw = values[name as keyof typeof values] as string;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`chaos: --${name} must be a whole number >= ${min} (got "${raw}")\n`);
    process.exit(2);
  }
  return n;
}
function positive(name: string): number {
  const raw = values[name as keyof typeof values] as string;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    process.stderr.write(`chaos: --${name} must be a number > 0 (got "${raw}")\n`);
    process.exit(2);
  }
  return n;
}

const seed = whole("seed", 0);
const rounds = whole("rounds", 0);
const rootJobs = whole("jobs", 1);
const webhooksPerSecond = positive("webhooks-per-second");
const maxKillDelayMs = whole("max-kill-delay", 1);
const hostileSeconds = whole("hostile-seconds", 0);
const hostileVolume = positive("hostile-volume");

const out = (line = "") => process.stdout.write(`${line}\n`);
const started = Date.now();
const replay =
  `npm run chaos -- --seed ${seed} --rounds ${rounds} --jobs ${rootJobs} --webhooks-per-second ${webhooksPerSecond}` +
  ` --max-kill-delay ${maxKillDelayMs} --hostile-seconds ${hostileSeconds} --hostile-volume ${hostileVolume}`;
out(`chaos: seed ${seed} (replay: ${replay})`);

let crash: (CrashTestReport & { seconds: number }) | null = null;
if (rounds > 0) {
  out(
    `\n== crash: ${rounds} SIGKILLs, ${rootJobs} root jobs, ${webhooksPerSecond} webhooks/s during the kills ==`,
  );
  const t = Date.now();
  const report = await runCrashTest({
    rounds,
    rootJobs,
    seed,
    maxKillDelayMs,
    webhooksPerSecond,
    log: (line) => out(`  ${line}`),
  });
  crash = { ...report, seconds: (Date.now() - t) / 1000 };
  printCrash(crash);
}

let hostile: HostileReport | null = null;
if (hostileSeconds > 0) {
  out(
    `\n== hostile http: ${hostileSeconds} s of hostile traffic against one daemon, valid webhooks throughout ==`,
  );
  hostile = await runHostileHttp({
    seconds: hostileSeconds,
    seed,
    volume: hostileVolume,
    log: (line) => out(`  ${line}`),
  });
  printHostile(hostile);
}

const seconds = (Date.now() - started) / 1000;
const problems = [
  ...(crash?.problems.map((p) => `crash: ${p}`) ?? []),
  ...(hostile?.problems.map((p) => `hostile http: ${p}`) ?? []),
];
const resultsDir = join(repoRoot, "bench", "results");
mkdirSync(resultsDir, { recursive: true });
const resultsFile = join(resultsDir, "chaos-latest.json");
writeFileSync(
  resultsFile,
  `${JSON.stringify(
    {
      passed: problems.length === 0,
      seed,
      replay,
      started_at: new Date(started).toISOString(),
      seconds: Math.round(seconds),
      node: process.version,
      options: { rounds, rootJobs, webhooksPerSecond, maxKillDelayMs, hostileSeconds, hostileVolume },
      crash,
      hostile,
      problems,
    },
    null,
    2,
  )}\n`,
);

out();
out(`total ${formatDuration(seconds)}; results in ${resultsFile}`);
if (problems.length === 0) {
  // The state directories are kept only when something failed, for the post-mortem.
  for (const dir of [crash?.dir, hostile?.dir]) if (dir) rmSync(dir, { recursive: true, force: true });
  out("chaos: PASS");
} else {
  out(`chaos: FAIL (${problems.length} problems; replay with: ${replay})`);
  for (const p of problems.slice(0, 50)) out(`  - ${p}`);
  if (problems.length > 50) out(`  ... and ${problems.length - 50} more in ${resultsFile}`);
  if (crash) out(`  crash state kept in ${crash.dir}`);
  if (hostile) out(`  hostile-run state kept in ${hostile.dir}`);
  process.exitCode = 1;
}

function printCrash(r: CrashTestReport & { seconds: number }): void {
  const w = r.webhooks;
  const errors =
    Object.entries(w.connectionErrorsByCode)
      .map(([code, n]) => `${code} ${n}`)
      .join(", ") || "none";
  table(
    ["check", "result"],
    [
      ["kills (SIGKILL)", `${r.kills} (${r.killsMidRequest} just after a webhook request was sent)`],
      ["orphaned attempts recovered", String(r.recoveredOrphans)],
      ["jobs", `${r.jobs}: ${r.succeeded} succeeded, ${r.dead} dead (with a reason)`],
      [
        "side effects",
        `${r.effects} for ${r.succeeded} succeeded jobs (${r.duplicateEffects} repeats: at-least-once)`,
      ],
      [
        "webhook deliveries",
        `${w.deliveries}, ${w.attempts} attempts (${w.retried} retried with the same id)`,
      ],
      ["  answered", `202 × ${w.accepted}, 200 duplicate_of × ${w.duplicateAnswers}, 503 × ${w.refused503}`],
      ["  no answer (retried)", `${w.connectionErrors} (${errors})`],
      ["  lost / unanswered", `${w.lost} / ${w.unanswered}`],
      ["  webhook jobs", `${w.jobs} (${w.deliveriesWithExtraJobs} deliveries with a second job)`],
      ["integrity_check", r.problems.some((p) => p.startsWith("integrity_check")) ? "FAILED" : "ok"],
      ["problems", String(r.problems.length)],
      ["duration", formatDuration(r.seconds)],
    ],
  );
}

function printHostile(r: HostileReport): void {
  table(
    ["category", "sent", "expected", "observed", "max ms"],
    r.categories.map((c) => [
      c.name,
      String(c.sent),
      c.expected.join("/"),
      Object.entries(c.observed)
        .map(([k, v]) => `${k}×${v}`)
        .join(" "),
      String(c.max_ms),
    ]),
  );
  const pastCap = r.categories.reduce((n, c) => n + (c.bytesPastCap ?? 0), 0);
  table(
    ["check", "result"],
    [
      [
        "valid webhooks (202)",
        `${r.valid.ok}/${r.valid.sent} in time; p50 ${r.valid.p50_ms} ms, p99 ${r.valid.p99_ms} ms, max ${r.valid.max_ms} ms`,
      ],
      [
        "/healthz (200)",
        `${r.healthz.ok}/${r.healthz.sent}; p50 ${r.healthz.p50_ms} ms, max ${r.healthz.max_ms} ms`,
      ],
      ["jobs in the database", `${r.jobsInDb} (valid 202s: ${r.valid.accepted})`],
      ["integrity_check", r.integrity],
      ["bytes sent past the cap", `${(pastCap / 1024 / 1024).toFixed(0)} MB`],
      [
        "daemon RSS",
        `start ${mb(r.rss.start_kib)}, peak ${mb(r.rss.peak_kib)} (+${mb(r.rss.growth_kib)}, bound +${mb(r.rss.bound_kib)})`,
      ],
      ["daemon open fds", `start ${r.fds.start}, peak ${r.fds.peak}, end ${r.fds.end}`],
      ["problems", String(r.problems.length)],
      ["duration", formatDuration(r.seconds)],
    ],
  );
}

function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    `  ${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number))).join("  ")}`;
  out(line(header));
  out(line(widths.map((w) => "-".repeat(w))));
  for (const r of rows) out(line(r));
}

function mb(kib: number): string {
  return `${(kib / 1024).toFixed(0)} MB`;
}

function formatDuration(s: number): string {
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}
