/**
 * The deadline (docs/jobs.md, "Attempts"): when it passes while the process still runs, SIGTERM to the whole
 * group, then SIGKILL after the grace. A process that already exited is past its deadline's
 * reach: what it wrote decides.
 */
import type { GroupWatch } from "./watch.js";

export function armDeadline(watch: GroupWatch, timeoutMs: number, killGraceMs: number): void {
  watch.after(timeoutMs, () => {
    if (watch.exit !== null) return;
    watch.recordTermination({ kind: "timeout", timeoutMs });
    watch.kill("SIGTERM");
    watch.after(killGraceMs, () => watch.kill("SIGKILL"));
  });
}
