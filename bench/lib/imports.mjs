// What loading a module costs a fresh Node process: import time (ms) and the RSS it adds (MB),
// each module alone in its own process, median of `repeats`. For the start-up and RSS figures:
// it names the dependencies that a start spends its time and memory on.
import { spawnSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { root } from "./daemon.mjs";
import { median, round } from "./stats.mjs";

const PROBE = `
const before = process.memoryUsage().rss;
const t = performance.now();
await import(process.argv[1]);
const ms = performance.now() - t;
process.stdout.write(JSON.stringify({ ms, rssMb: (process.memoryUsage().rss - before) / 2 ** 20 }));
`;

/** [{ module, ms, rss_mb }] for each specifier (package names resolve from the repo root). */
export function importCosts(specifiers, repeats = 3) {
  return specifiers.map((spec) => {
    const runs = [];
    for (let i = 0; i < repeats; i++) {
      const target = spec.startsWith(".") ? pathToFileURL(`${root}/${spec}`).href : spec;
      const r = spawnSync(process.execPath, ["--input-type=module", "-e", PROBE, target], {
        cwd: root,
        encoding: "utf8",
        timeout: 30_000,
      });
      if (r.status !== 0) throw new Error(`importing ${spec} failed: ${(r.stderr ?? "").split("\n")[0]}`);
      runs.push(JSON.parse(r.stdout));
    }
    return {
      module: spec,
      ms: round(median(runs.map((x) => x.ms)), 1),
      rss_mb: round(median(runs.map((x) => x.rssMb)), 1),
    };
  });
}
