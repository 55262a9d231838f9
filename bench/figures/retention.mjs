// A year of steady use on a compressed clock (SPEC §19: a bounded file). Each simulated day adds
// `perDay` finished jobs (a webhook-sized payload, one attempt each, written by the store's
// bulk-fill helper), then does what the daemon's scheduler does over that day: retention prunes
// what is older than 30 days (batches of 500), the SpaceKeeper (dist/src/scheduler/
// maintenance.js, the daemon's own code) hands the freed pages back in incremental_vacuum steps
// within its per-tick budget, and truncates the WAL when idle. The file size (db + WAL) is
// recorded at each simulated month. Target: final size <= 1.5 x the size at day 30.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { openBenchStore, root } from "../lib/daemon.mjs";
import { deliveryBody } from "../lib/signed.mjs";
import { round } from "../lib/stats.mjs";

export const name = "retention";
export const TARGET = 1.5;
const DAY = 86_400_000;
const RETENTION_DAYS = 30;
const DAYS = 365;

const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

export async function run(ctx) {
  const perDay = ctx.quick ? 1_000 : 10_000;
  const { SpaceKeeper } = await import(
    pathToFileURL(join(root, "dist", "src", "scheduler", "maintenance.js")).href
  );
  const store = await openBenchStore(join(ctx.tmp, "retention"));
  const keeper = new SpaceKeeper(store, quiet, { checkpointEveryMs: 0 });
  const payload = { type: "webhook", source: "webhook:/hook/bench", payload: JSON.parse(deliveryBody()) };
  ctx.log(
    `retention: ${DAYS} simulated days at ${perDay} jobs/day, ${RETENTION_DAYS}-day retention (auto_vacuum ${store.fileSpace().auto_vacuum})`,
  );
  const t0 = Date.UTC(2026, 0, 1);
  const series = [];
  const pruneMs = [];
  let ticks = 0;
  const started = performance.now();
  try {
    for (let day = 0; day < DAYS; day++) {
      const endMs = t0 + (day + 1) * DAY;
      store.fillHistoryForBenchmark({ count: perDay, plugin: "noop", command: "handle", payload, endMs });
      const p0 = performance.now();
      store.pruneTerminal(endMs - RETENTION_DAYS * DAY, 500);
      pruneMs.push(performance.now() - p0);
      // The daemon's ticks over the day: each reclaims within its budget until nothing is free.
      while (store.fileSpace().freelist_count > 0) {
        ticks += 1;
        if ((await keeper.reclaim()) === 0) break;
      }
      keeper.checkpointIfIdle(endMs);
      const d = day + 1;
      if (d % 30 === 0 || d === DAYS || d === 1) {
        const s = store.fileSpace();
        series.push({
          day: d,
          db_bytes: s.db_bytes,
          wal_bytes: s.wal_bytes,
          total_mb: round((s.db_bytes + s.wal_bytes) / 1024 / 1024, 1),
          freelist_pages: s.freelist_count,
        });
        ctx.log(
          `  day ${String(d).padStart(3)}: ${series.at(-1).total_mb} MB (WAL ${round(s.wal_bytes / 1024, 0)} KB)`,
        );
      }
    }
  } finally {
    store.close();
  }
  const at30 = series.find((s) => s.day === RETENTION_DAYS);
  const last = series.at(-1);
  const total = (s) => s.db_bytes + s.wal_bytes;
  const ratio = total(last) / total(at30);
  const stats = keeper.stats;
  const details = {
    jobs_per_day: perDay,
    days: DAYS,
    retention_days: RETENTION_DAYS,
    size_by_month: series,
    reclaim: {
      step_pages: 64,
      steps: stats.vacuum_steps,
      pages: stats.vacuum_pages,
      step_max_ms: round(stats.vacuum_step_max_ms, 2),
      step_mean_ms: round(stats.vacuum_step_total_ms / Math.max(1, stats.vacuum_steps), 2),
      reclaim_ticks: ticks,
    },
    checkpoint: {
      count: stats.checkpoints,
      max_ms: round(stats.checkpoint_max_ms, 2),
      mean_ms: round(stats.checkpoint_total_ms / Math.max(1, stats.checkpoints), 2),
    },
    prune_ms_per_day: {
      max: round(Math.max(...pruneMs), 1),
      mean: round(pruneMs.reduce((a, b) => a + b, 0) / pruneMs.length, 1),
    },
    simulate_seconds: round((performance.now() - started) / 1000, 1),
  };
  ctx.log(`  reclaim ${JSON.stringify(details.reclaim)}; checkpoint ${JSON.stringify(details.checkpoint)}`);
  return {
    rows: [
      {
        figure: `db file after ${DAYS} days vs day 30, MB (${perDay / 1000}k jobs/day, 30-day retention)`,
        postern: last.total_mb,
        baseline: at30.total_mb,
        ratio: round(ratio),
        target: `<= ${TARGET}`,
        pass: ratio <= TARGET,
      },
    ],
    details,
  };
}
