/**
 * The long crash test, on demand:
 * npm run crash [-- --rounds N --jobs N --seed N --max-kill-delay MS --webhooks-per-second N]
 */
import { parseArgs } from "node:util";
import { runCrashTest } from "../test/chaos/crash.js";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "40" },
    jobs: { type: "string", default: "400" },
    seed: { type: "string", default: String(Date.now() % 100_000) },
    "max-kill-delay": { type: "string", default: "800" },
    "webhooks-per-second": { type: "string", default: "8" },
  },
});
const opts = {
  rounds: Number(values.rounds),
  rootJobs: Number(values.jobs),
  seed: Number(values.seed),
  maxKillDelayMs: Number(values["max-kill-delay"]),
  webhooksPerSecond: Number(values["webhooks-per-second"]),
  log: (line: string) => process.stdout.write(`${line}\n`),
};
process.stdout.write(
  `crash test: ${opts.rounds} rounds, ${opts.rootJobs} root jobs, ${opts.webhooksPerSecond} webhooks/s, seed ${opts.seed}\n`,
);
const started = Date.now();
const report = await runCrashTest(opts);
process.stdout.write(`${JSON.stringify({ ...report, seconds: (Date.now() - started) / 1000 }, null, 2)}\n`);
process.exitCode = report.problems.length === 0 ? 0 : 1;
