// `npm run bench` (SPEC §15, issue 8): builds (npm script), runs each figure, prints the machine
// and one table, and writes bench/results/latest.json (the rows) and latest-details.json
// (machine, options, per-figure details).
//   node bench/run.mjs [--only dispatch,latency] [--quick] [--profile]
// Exit code 0 when every figure ran, whatever the targets say (the table says FAIL); non-zero
// when a figure could not run or a correctness check failed (e.g. a lost webhook in burst).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { root } from "./lib/daemon.mjs";
import { describeMachine, machineInfo } from "./lib/machine.mjs";
import { buildPlugins } from "./lib/plugins.mjs";
import { formatTable } from "./lib/table.mjs";

const FIGURES = ["dispatch", "ingress", "latency", "footprint", "scale", "burst", "retention"];

let values;
try {
  ({ values } = parseArgs({
    options: {
      only: { type: "string" },
      quick: { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  }));
} catch (e) {
  process.stderr.write(
    `bench: ${e.message}\nusage: npm run bench -- [--only ${FIGURES.join(",")}] [--quick] [--profile]\n`,
  );
  process.exit(2);
}
if (values.help) {
  process.stdout.write(
    `usage: npm run bench -- [--only LIST] [--quick] [--profile]\n` +
      `  --only     comma-separated figures: ${FIGURES.join(", ")} (default: all)\n` +
      "  --quick    short runs for a smoke test (numbers are rough)\n" +
      "  --profile  also CPU-profile the daemon in dispatch and latency (bench/results/profiles)\n",
  );
  process.exit(0);
}
const asked = values.only
  ? values.only
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)
  : FIGURES;
const unknown = asked.filter((f) => !FIGURES.includes(f));
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown figure ${unknown.join(", ")}; choose from ${FIGURES.join(", ")}\n`);
  process.exit(2);
}
// Always in the table's order, whatever order --only named them in.
const only = FIGURES.filter((f) => asked.includes(f));

const log = (m) => process.stdout.write(`${m}\n`);
const machine = machineInfo();
const resultsDir = join(root, "bench", "results");
mkdirSync(resultsDir, { recursive: true });
const tmp = mkdtempSync(join(tmpdir(), "postern-bench-"));
const started = performance.now();
log(describeMachine(machine));
log(
  `mode: ${values.quick ? "quick (rough numbers)" : "full"}${values.profile ? ", profiling" : ""}; figures: ${only.join(", ")}${process.env.POSTERN_BENCH_NODE_ARGS ? `; daemon node flags: ${process.env.POSTERN_BENCH_NODE_ARGS}` : ""}\n`,
);

const rows = [];
const details = {};
const failures = [];
try {
  const plugins = buildPlugins(join(tmp, "plugins"), log);
  const ctx = { tmp, quick: values.quick, profile: values.profile, plugins, log, resultsDir };
  for (const name of only) {
    const t0 = performance.now();
    try {
      const figure = await import(`./figures/${name}.mjs`);
      const result = await figure.run(ctx);
      rows.push(...result.rows);
      details[name] = { ...result.details, seconds: Math.round((performance.now() - t0) / 100) / 10 };
      if (result.failure) failures.push(`${name}: ${result.failure}`);
    } catch (e) {
      failures.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
      details[name] = { error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
      rows.push({
        figure: `${name}: could not run`,
        postern: null,
        baseline: null,
        ratio: null,
        target: "-",
        pass: false,
      });
    }
    log(`${name}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const seconds = Math.round((performance.now() - started) / 1000);
log(describeMachine(machine));
log(formatTable(rows));
log(`\ntotal ${seconds} s; ${rows.filter((r) => r.pass === false).length} rows FAIL`);
// Data, not source: Biome skips bench/results, so plain JSON.stringify layout is fine.
const toJson = (value) => `${JSON.stringify(value, null, 2)}\n`;
writeFileSync(join(resultsDir, "latest.json"), toJson(rows));
writeFileSync(
  join(resultsDir, "latest-details.json"),
  toJson({
    date: new Date().toISOString(),
    machine,
    options: { only, quick: values.quick, profile: values.profile },
    seconds,
    failures,
    figures: details,
  }),
);
log("written: bench/results/latest.json, bench/results/latest-details.json");
if (failures.length > 0) {
  process.stderr.write(
    `\nbench: ${failures.length} figure(s) failed:\n${failures.map((f) => `  ${f}`).join("\n")}\n`,
  );
  process.exit(1);
}
