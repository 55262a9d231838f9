/**
 * Shutdown after its grace period aborts the attempt: the group is killed at once and the
 * attempt reported as aborted (it did not really happen). A process that already exited is
 * left to finish normally: its result is real.
 */
import type { GroupWatch } from "./watch.js";

export function watchAbort(watch: GroupWatch, abort: AbortSignal | undefined): void {
  if (!abort) return;
  const onAbort = () => {
    if (watch.exit !== null) return;
    watch.recordTermination({ kind: "aborted" });
    watch.kill("SIGKILL");
  };
  if (abort.aborted) {
    onAbort();
    return;
  }
  abort.addEventListener("abort", onAbort, { once: true });
  watch.onEnd(() => abort.removeEventListener("abort", onAbort));
}
