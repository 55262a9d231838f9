// Parse time of a config with one map of N keys (issue 22, item 7): linear means 100k keys take
// about twice as long as 50k. CPU time is the fairer number on a shared machine.
// Run after `npm run build`: node bench/config-parse.mjs 50000 100000
import { performance } from "node:perf_hooks";
import { readYaml } from "../dist/src/config/yaml-source.js";

const sizes = process.argv.slice(2).map(Number);
for (const n of sizes.length > 0 ? sizes : [50_000, 100_000]) {
  const lines = ["plugins:", "  big:", "    config:"];
  for (let i = 0; i < n; i++) lines.push(`      key_${i}: value_${i}`);
  const text = `${lines.join("\n")}\n`;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const { problems } = readYaml(text);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(
    `${n} keys (${Math.round(text.length / 1024)} KB): ${ms.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU, ${problems.length} problems`,
  );
}
