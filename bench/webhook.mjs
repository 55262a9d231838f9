// `npm run bench:webhook` (SPEC §15): the webhook ingress figure of `npm run bench` on its own,
// with its per-round numbers. See bench/figures/ingress.mjs for what is measured and how.
//   node bench/webhook.mjs [--rounds N] [--duration S] [--connections N] [--provider NAME]
// --provider adds a row: the listener with that provider preset (github, gitea, stripe, slack,
// shopify) on its endpoint, compared with the default hmac (SPEC §17: within 5 %).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { measureIngress, TARGET } from "./figures/ingress.mjs";
import { describeMachine, machineInfo } from "./lib/machine.mjs";
import { buildPlugins } from "./lib/plugins.mjs";
import { deliveryBody, PRESETS } from "./lib/signed.mjs";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    duration: { type: "string", default: "3" },
    connections: { type: "string", default: "4" },
    provider: { type: "string" },
  },
});
const PROVIDER = values.provider ?? null;
if (PROVIDER !== null && !PRESETS.includes(PROVIDER)) {
  process.stderr.write(`bench:webhook: --provider must be one of ${PRESETS.join(", ")}\n`);
  process.exit(2);
}
const ROUNDS = Number(values.rounds);
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);
for (const [k, v] of Object.entries({ rounds: ROUNDS, duration: DURATION, connections: CONNECTIONS })) {
  if (!Number.isInteger(v) || v < 1 || v > 1000) {
    process.stderr.write(`bench:webhook: --${k} must be a whole number from 1 to 1000\n`);
    process.exit(2);
  }
}

const dir = mkdtempSync(join(tmpdir(), "postern-bench-"));
try {
  process.stdout.write(
    `webhook ingress: ${ROUNDS} rounds × ${DURATION} s per server, ${CONNECTIONS} connections, ` +
      `${Buffer.byteLength(deliveryBody())} B signed JSON bodies\n${describeMachine(machineInfo())}\n\n`,
  );
  const plugins = buildPlugins(join(dir, "plugins"), (m) => process.stdout.write(`${m}\n`));
  const m = await measureIngress({
    tmp: dir,
    pluginsDir: plugins.dir,
    rounds: ROUNDS,
    duration: DURATION,
    connections: CONNECTIONS,
    provider: PROVIDER,
  });
  const b = m.baseline;
  const rows = [
    ["node:http baseline", b],
    ["postern (dispatcher busy)", m.held],
    ...(m.preset ? [[`postern ${PROVIDER} (busy)`, m.preset]] : []),
    ["postern (draining jobs)", m.draining],
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
  for (const [label, r] of rows) {
    const ratio = (r.perSecond / b.perSecond).toFixed(2);
    process.stdout.write(
      `${label.padEnd(26)} ${r.perSecond.toFixed(0).padStart(10)} ${String(r.p50).padStart(7)} ${String(r.p99).padStart(7)} ${ratio.padStart(6)} ${r.cpuUs.toFixed(0).padStart(10)} ${String(r.rejected).padStart(7)}   ${r.rounds.join(" ")}\n`,
    );
  }
  process.stdout.write(
    `\nlistener vs baseline: ${(m.held.perSecond / b.perSecond).toFixed(2)} (medians), ` +
      `${m.pairedRatio.toFixed(2)} (median of per-round ratios); target >= ${TARGET.toFixed(2)} (SPEC §15)\n`,
  );
  if (m.preset) {
    process.stdout.write(
      `${PROVIDER} preset vs hmac: ${(m.preset.perSecond / m.held.perSecond).toFixed(3)} (medians), ` +
        `${m.presetPairedRatio.toFixed(3)} (median of per-round ratios); CPU µs/req ${m.preset.cpuUs.toFixed(0)} vs ${m.held.cpuUs.toFixed(0)}; target >= 0.95 (SPEC §17)\n`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
