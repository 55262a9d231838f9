/** Linux process facts used to recognise a process group across a core restart (docs/daemon.md). */
import { readdirSync, readFileSync } from "node:fs";

/**
 * Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat), or null when
 * the process is gone or /proc is unavailable. Together with the pid it identifies a process:
 * a recycled pid has a different start time.
 */
export function processStartTime(pid: number): string | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // The command name (field 2) may contain spaces and parentheses: parse after the last ')'.
  const afterComm = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // afterComm[0] is field 3 (state); field 22 is at index 19.
  return afterComm[19] ?? null;
}

/**
 * Sends a signal to a whole process group. Never throws: it runs from timers and stream
 * callbacks, where an exception would take the daemon down. A group that is gone (ESRCH) or
 * holds only processes we may not signal (EPERM: a setuid helper) yields false.
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether any process of the group is still alive (zombies awaiting their reaper do not
 * count: they run nothing). The /proc scan only happens when the cheap probe finds members.
 */
export function groupHasLiveMembers(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return true;
  }
  for (const entry of entries) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) === pgid && fields[0] !== "Z") return true;
  }
  return false;
}

/** Resolves once the group has no live member, or after `maxWaitMs` (returns false then). */
export async function waitForGroupGone(pgid: number, maxWaitMs: number, pollMs = 5): Promise<boolean> {
  const deadline = performance.now() + maxWaitMs;
  while (groupHasLiveMembers(pgid)) {
    if (performance.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return true;
}
