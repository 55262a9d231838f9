// What the numbers were measured on: printed above the table and kept in latest-details.json.
import { readFileSync, realpathSync } from "node:fs";
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from "node:os";

/** The file system type of the mount holding `dir` (longest matching mount point). */
function fsType(dir) {
  try {
    const real = realpathSync(dir);
    let best = { point: "", type: "?" };
    for (const line of readFileSync("/proc/mounts", "utf8").split("\n")) {
      const [, point, type] = line.split(" ");
      if (!point) continue;
      const inside = real === point || real.startsWith(point.endsWith("/") ? point : `${point}/`);
      if (inside && point.length >= best.point.length) best = { point, type };
    }
    return `${best.type} (${best.point || "?"})`;
  } catch {
    return "?";
  }
}

export function machineInfo() {
  return {
    cpus: availableParallelism(),
    cpu_model: cpus()[0]?.model ?? "?",
    memory_gb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kernel: release(),
    tmpdir: tmpdir(),
    tmpdir_fs: fsType(tmpdir()),
    load_at_start: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export function describeMachine(m) {
  return (
    `machine: ${m.cpus} CPUs (${m.cpu_model}), ${m.memory_gb} GB, node ${m.node}, ` +
    `kernel ${m.kernel}, tmpdir ${m.tmpdir} on ${m.tmpdir_fs}, load ${m.load_at_start.join(" ")}`
  );
}
