// Burst (issue 8): 10,000 signed webhooks as fast as autocannon sends them (50 connections,
// distinct bodies) into the real daemon with the noop plugin draining at the same time. Every
// request must be accepted (202 with a job id) or refused with a retryable code (503, 429);
// every accepted job must be in the database and end succeeded once the queue has drained
// (queue depth 0, nothing running). Anything else is a lost webhook: a correctness failure,
// and `npm run bench` exits non-zero. Reported: answers by code, drain time, peak RSS (VmHWM).
import { createHmac } from "node:crypto";
import { join } from "node:path";
import autocannon from "autocannon";
import { openBenchStore, startDaemon, stopDaemon, waitDrained, writeConfig } from "../lib/daemon.mjs";
import { peakRssMb } from "../lib/proc.mjs";
import { deliveryBody, SECRET } from "../lib/signed.mjs";
import { round } from "../lib/stats.mjs";

export const name = "burst";
const RETRYABLE = new Set([429, 503]);

export async function run(ctx) {
  const amount = ctx.quick ? 1_000 : 10_000;
  const connections = 50;
  const dir = join(ctx.tmp, "burst");
  const config = writeConfig(dir, {
    pluginsDir: ctx.plugins.dir,
    secret: SECRET,
    plugins: { noop: "{}" },
    endpoints: [{ path: "/hook/bench", plugin: "noop" }],
  });
  ctx.log(
    `burst: ${amount} signed webhooks, ${connections} connections, ${ctx.plugins.note} noop plugin draining`,
  );
  const daemon = await startDaemon(config);
  const accepted = [];
  const codes = {};
  const bad = [];
  let seq = 0;
  let store = null;
  try {
    const t0 = performance.now();
    const result = await autocannon({
      url: `http://127.0.0.1:${daemon.port}`,
      connections,
      amount,
      timeout: 30,
      requests: [
        {
          method: "POST",
          path: "/hook/bench",
          setupRequest: (req) => {
            const body = deliveryBody({ delivery: ++seq });
            const signature = createHmac("sha256", SECRET).update(body).digest("hex");
            return {
              ...req,
              body,
              headers: {
                "content-type": "application/json",
                "x-github-event": "pull_request",
                "x-hub-signature-256": `sha256=${signature}`,
              },
            };
          },
          onResponse: (status, body) => {
            codes[status] = (codes[status] ?? 0) + 1;
            if (status === 202) {
              try {
                accepted.push(JSON.parse(body).job_id);
              } catch {
                bad.push(`202 without a job id: ${String(body).slice(0, 200)}`);
              }
            } else if (!RETRYABLE.has(status)) {
              bad.push(`answered ${status}: ${String(body).slice(0, 200)}`);
            }
          },
        },
      ],
    });
    const sendS = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    store = await openBenchStore(join(dir, "data"), { readonly: true });
    await waitDrained(daemon.port, { store, timeoutMs: 60_000 + amount * 50, what: "burst backlog" });
    const drainS = (performance.now() - t1) / 1000;
    const peak = peakRssMb(daemon.pid);

    const answered = Object.values(codes).reduce((a, b) => a + b, 0);
    if (result.errors > 0 || result.timeouts > 0) {
      bad.push(
        `${result.errors} connection errors, ${result.timeouts} timeouts (no answer: the sender cannot know)`,
      );
    }
    if (answered !== amount) bad.push(`${answered} answers for ${amount} requests`);
    let notSucceeded = 0;
    let missing = 0;
    for (const id of accepted) {
      const job = store.getJob(id);
      if (job === null) missing += 1;
      else if (job.status !== "succeeded") notSucceeded += 1;
    }
    if (missing > 0) bad.push(`${missing} accepted job ids are not in the database`);
    if (notSucceeded > 0) bad.push(`${notSucceeded} accepted jobs did not end succeeded`);
    const refused = [...RETRYABLE].reduce((n, c) => n + (codes[c] ?? 0), 0);
    const lost = amount - (accepted.length - missing - notSucceeded) - refused;
    const details = {
      amount,
      connections,
      codes,
      accepted: accepted.length,
      refused_retryable: refused,
      errors: result.errors,
      timeouts: result.timeouts,
      send_seconds: round(sendS, 1),
      accepted_per_second: round(accepted.length / sendS, 0),
      drain_seconds_after_send: round(drainS, 1),
      peak_rss_mb: round(peak, 1),
      problems: bad.slice(0, 20),
    };
    ctx.log(`  ${JSON.stringify({ ...details, problems: undefined })}`);
    for (const p of bad.slice(0, 5)) ctx.log(`  problem: ${p}`);
    return {
      rows: [
        {
          figure: `burst ${amount} webhooks: lost`,
          postern: lost,
          baseline: null,
          ratio: null,
          target: "0",
          pass: lost === 0 && bad.length === 0,
        },
        {
          figure: "burst peak RSS MB",
          postern: round(peak, 1),
          baseline: null,
          ratio: null,
          target: "-",
          pass: null,
        },
        {
          figure: "burst drain s (after the last answer)",
          postern: round(drainS, 1),
          baseline: null,
          ratio: null,
          target: "-",
          pass: null,
        },
      ],
      details,
      failure:
        bad.length > 0 || lost !== 0 ? `${lost} webhooks lost; ${bad.slice(0, 3).join("; ")}` : undefined,
    };
  } finally {
    store?.close();
    await stopDaemon(daemon);
  }
}
