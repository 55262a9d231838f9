// The benchmark plugins, built at bench time into a temp plugins_dir: noop and stamp compiled
// from bench/plugins-src/*.c with `cc -O2` (native: the cost measured is the caller's, not a
// shell's), hold copied from bench/plugins/hold. Without a C compiler they fall back to shell
// scripts and every figure that uses them says so.
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { root } from "./daemon.mjs";

const manifest = (name, description) =>
  `name: ${name}\nversion: "1.0.0"\nprotocol: 1\nentrypoint: run\ndescription: ${description}\ncommands: [handle]\n`;

const SH_STAMP = `#!/bin/sh
t=$(date +%s%6N)
req=$(cat)
file=$(printf '%s' "$req" | sed -n 's/.*"stamp_file":"\\([^"]*\\)".*/\\1/p')
job=$(printf '%s' "$req" | sed -n 's/.*"job_id":"\\([^"]*\\)".*/\\1/p')
printf '%s %s\\n' "$job" "$t" >> "$file"
echo '{"status":"ok"}'
`;

const DESCRIPTIONS = {
  noop: "benchmark plugin that reads its request and answers ok at once",
  stamp: "benchmark plugin that records its start time (CLOCK_REALTIME us) to config.stamp_file",
};

/**
 * Builds `dir` as a plugins_dir holding noop, stamp and hold. Returns { dir, native, note }:
 * native false when there is no working C compiler (then noop and stamp are shell scripts).
 */
export function buildPlugins(dir, log = () => {}) {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  let native = true;
  let note = "native (cc -O2)";
  for (const name of ["noop", "stamp"]) {
    const pluginDir = join(dir, name);
    mkdirSync(pluginDir, { recursive: true, mode: 0o755 });
    writeFileSync(join(pluginDir, "manifest.yaml"), manifest(name, DESCRIPTIONS[name]));
    const out = join(pluginDir, "run");
    const cc = native
      ? spawnSync("cc", ["-O2", "-o", out, join(root, "bench", "plugins-src", `${name}.c`)], {
          encoding: "utf8",
        })
      : null;
    if (cc === null || cc.error || cc.status !== 0) {
      if (native) {
        const why = cc?.error ? cc.error.message : (cc?.stderr ?? "").trim().split("\n")[0];
        note = "sh fallback (no C compiler)";
        log(
          `WARNING: cannot compile bench/plugins-src/${name}.c with cc (${why}); install a C compiler ` +
            "(e.g. apt-get install gcc) for the native no-op plugin. Falling back to shell plugins: " +
            "dispatch and latency then measure a shell's start-up too.",
        );
      }
      native = false;
      if (name === "noop") copyFileSync(join(root, "bench", "plugins", "noop", "run"), out);
      else writeFileSync(out, SH_STAMP);
    }
    chmodSync(out, 0o755);
  }
  const holdDir = join(dir, "hold");
  mkdirSync(holdDir, { recursive: true, mode: 0o755 });
  for (const f of ["manifest.yaml", "run"])
    copyFileSync(join(root, "bench", "plugins", "hold", f), join(holdDir, f));
  chmodSync(join(holdDir, "run"), 0o755);
  // A fallback noop compiled earlier must not be used as native: rebuild both as scripts.
  if (!native) {
    copyFileSync(join(root, "bench", "plugins", "noop", "run"), join(dir, "noop", "run"));
    writeFileSync(join(dir, "stamp", "run"), SH_STAMP);
  }
  return { dir, native, note };
}
