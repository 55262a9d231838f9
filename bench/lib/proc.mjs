// Process facts from /proc (Linux): CPU time, resident and peak memory of a child by pid.
import { readFileSync } from "node:fs";

/** USER_HZ: the unit of utime/stime in /proc/PID/stat. 100 on every Linux build Node runs on. */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) the process has used so far (10 ms resolution). */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name may hold spaces and parentheses: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** A field of /proc/PID/status in kB (VmRSS: resident now, VmHWM: peak resident). */
export function statusKb(pid, field) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  if (!match) throw new Error(`/proc/${pid}/status has no ${field} line`);
  return Number(match[1]);
}

export const rssMb = (pid) => statusKb(pid, "VmRSS") / 1024;
export const peakRssMb = (pid) => statusKb(pid, "VmHWM") / 1024;
