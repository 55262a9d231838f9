// Enqueue + claim cost with 1 k vs 1 M stored jobs (SPEC §15: flat; target ratio ≤ 1.5).
// Two databases through Postern's own store (dist/), with the daemon's pragmas (WAL,
// synchronous=FULL): each holds succeeded history (one attempt per job, built in big
// transactions by Store.fillHistoryForBenchmark) plus 100 queued jobs, like a long-running
// install. One pair = enqueueJob + claimNextReadyJob, each its own fsync'd transaction, timed
// one by one; the two databases take turns batch by batch and each is scored by its median.
import { join } from "node:path";
import { openBenchStore } from "../lib/daemon.mjs";
import { deliveryBody } from "../lib/signed.mjs";
import { median, round } from "../lib/stats.mjs";

export const name = "scale";
export const TARGET = 1.5;
const QUEUED = 100;

async function build(dir, total, payload) {
  const store = await openBenchStore(dir);
  const t0 = performance.now();
  store.fillHistoryForBenchmark({
    count: total - QUEUED,
    plugin: "noop",
    command: "handle",
    payload,
    endMs: Date.now(),
  });
  for (let i = 0; i < QUEUED; i++) enqueue(store, payload);
  return { store, buildSeconds: (performance.now() - t0) / 1000 };
}

function enqueue(store, payload) {
  const r = store.enqueueJob(
    { plugin: "noop", command: "handle", payload, submittedBy: "webhook", maxAttempts: 4 },
    { dedupeTtlMs: 86_400_000 },
  );
  if (!("job" in r)) throw new Error("scale: an enqueue was deduplicated; the bench jobs have no dedupe key");
  return r.job;
}

/**
 * `n` timed pairs: [{ enqueueUs, claimUs }], plus the CPU time they used in `cpu.us` (user +
 * system of this process: the SQLite work without the wait for the disk). Checks that every
 * claim got a job.
 */
function pairs(store, n, payload, cpu = { us: 0 }) {
  const out = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    enqueue(store, payload);
    const t1 = performance.now();
    const claimed = store.claimNextReadyJob(Date.now());
    const t2 = performance.now();
    if (claimed === null) throw new Error("scale: a claim found no ready job although the queue holds some");
    out.push({ enqueueUs: (t1 - t0) * 1000, claimUs: (t2 - t1) * 1000 });
  }
  const c = process.cpuUsage(c0);
  cpu.us += c.user + c.system;
  return out;
}

export async function run(ctx) {
  const big = ctx.quick ? 100_000 : 1_000_000;
  const small = 1_000;
  const total = ctx.quick ? 600 : 2_000;
  const batch = ctx.quick ? 100 : 250;
  // A webhook event's worth of payload in every history row (the database is the size of a
  // real one, not of empty rows).
  const payload = { type: "webhook", source: "webhook:/hook/bench", payload: JSON.parse(deliveryBody()) };
  ctx.log(`scale: ${small} vs ${big} stored jobs, ${total} enqueue+claim pairs each, in batches of ${batch}`);
  const a = await build(join(ctx.tmp, "scale-small"), small, payload);
  const b = await build(join(ctx.tmp, "scale-big"), big, payload);
  ctx.log(
    `  built: ${small} jobs in ${a.buildSeconds.toFixed(1)} s, ${big} jobs in ${b.buildSeconds.toFixed(1)} s`,
  );
  try {
    pairs(a.store, 50, payload); // warm-up: statement caches, page cache
    pairs(b.store, 50, payload);
    const ra = [];
    const rb = [];
    const cpuA = { us: 0 };
    const cpuB = { us: 0 };
    for (let done = 0; done < total; done += batch) {
      ra.push(...pairs(a.store, batch, payload, cpuA));
      rb.push(...pairs(b.store, batch, payload, cpuB));
    }
    const cpuPairA = cpuA.us / ra.length;
    const cpuPairB = cpuB.us / rb.length;
    const pair = (rs) => median(rs.map((r) => r.enqueueUs + r.claimUs));
    const costA = pair(ra);
    const costB = pair(rb);
    const ratio = costB / costA;
    const details = {
      small_jobs: small,
      big_jobs: big,
      pairs: total,
      batch,
      build_seconds: { small: round(a.buildSeconds, 1), big: round(b.buildSeconds, 1) },
      cpu_us_per_pair: { small: round(cpuPairA, 1), big: round(cpuPairB, 1) },
      median_us: {
        small: {
          pair: round(costA, 1),
          enqueue: round(median(ra.map((r) => r.enqueueUs)), 1),
          claim: round(median(ra.map((r) => r.claimUs)), 1),
        },
        big: {
          pair: round(costB, 1),
          enqueue: round(median(rb.map((r) => r.enqueueUs)), 1),
          claim: round(median(rb.map((r) => r.claimUs)), 1),
        },
      },
    };
    ctx.log(
      `  median µs: ${JSON.stringify(details.median_us)}; CPU µs/pair ${JSON.stringify(details.cpu_us_per_pair)}`,
    );
    const size = big >= 1_000_000 ? `${big / 1_000_000}M` : `${big / 1000}k`;
    return {
      rows: [
        {
          figure: `enqueue+claim µs/pair (${size} vs 1k stored jobs)`,
          postern: round(costB, 0),
          baseline: round(costA, 0),
          ratio: round(ratio),
          target: `<= ${TARGET}`,
          pass: ratio <= TARGET,
        },
        {
          figure: `enqueue+claim CPU µs/pair (${size} vs 1k, no disk wait)`,
          postern: round(cpuPairB, 0),
          baseline: round(cpuPairA, 0),
          ratio: round(cpuPairB / cpuPairA),
          target: "-",
          pass: null,
        },
      ],
      details,
    };
  } finally {
    a.store.close();
    b.store.close();
  }
}
