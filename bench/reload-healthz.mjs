// /healthz latency while the daemon reloads a large config (issue 22, item 7): a plugin config
// of N keys (default 30,000, about 800 KB), SIGHUP, /healthz polled every 20 ms until the
// reload's verdict is logged. Run after `npm run build`: node bench/reload-healthz.mjs [N]
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pause, root, startDaemon, stopDaemon } from "./lib/daemon.mjs";

const n = Number(process.argv[2] ?? 30_000);
const dir = mkdtempSync(join(tmpdir(), "postern-reload-bench-"));
const file = join(dir, "postern.yaml");
const lines = [
  "service: { state_dir: ./data }",
  `plugins_dir: ${join(root, "test", "fixtures", "plugins")}`,
  'webhooks: { listen: "127.0.0.1:0" }',
  "plugins:",
  "  ok:",
  "    config:",
];
for (let i = 0; i < n; i++) lines.push(`      key_${i}: value_${i}`);
writeFileSync(file, `${lines.join("\n")}\n`);
console.log(`config: ${n} keys, ${Math.round(readFileSync(file).length / 1024)} KB`);

const daemon = await startDaemon(file);
try {
  const verdicts = () =>
    (readFileSync(daemon.logFile, "utf8").match(/reload (applied|rejected)/g) ?? []).length;
  daemon.child.kill("SIGHUP");
  const sentAt = performance.now();
  let worst = 0;
  let polls = 0;
  // Bounded: 60 s.
  while (verdicts() === 0 && performance.now() - sentAt < 60_000) {
    const t0 = performance.now();
    const res = await fetch(`http://127.0.0.1:${daemon.port}/healthz`);
    await res.arrayBuffer();
    worst = Math.max(worst, performance.now() - t0);
    polls += 1;
    await pause(20);
  }
  const reloadMs = performance.now() - sentAt;
  console.log(
    `reload verdict after ${reloadMs.toFixed(0)} ms; /healthz polled ${polls} times, slowest answer ${worst.toFixed(0)} ms`,
  );
} finally {
  await stopDaemon(daemon);
}
