/** Process inspection for tests that must prove nothing was left running. */
import { readdirSync, readFileSync } from "node:fs";

interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  state: string;
  comm: string;
}

export function listProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue;
    }
    const close = stat.lastIndexOf(")");
    const comm = stat.slice(stat.indexOf("(") + 1, close);
    const fields = stat.slice(close + 2).split(" ");
    out.push({
      pid: Number(entry),
      state: fields[0] ?? "?",
      ppid: Number(fields[1]),
      pgid: Number(fields[2]),
      comm,
    });
  }
  return out;
}

/**
 * Processes left behind: our own children (zombies included: reaping them is our job), and live
 * members of the given process groups. A dead grandchild re-parented to init is init's to reap.
 */
export function leftovers(groups: Iterable<number>): ProcInfo[] {
  const wanted = new Set(groups);
  return listProcesses().filter(
    (p) => p.ppid === process.pid || (wanted.has(p.pgid) && !(p.state === "Z" && p.ppid !== process.pid)),
  );
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const p = listProcesses().find((x) => x.pid === pid);
  return p !== undefined && p.state !== "Z";
}
