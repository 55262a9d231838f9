/**
 * Following the database from the CLI (`run --wait`, `logs -f`): re-read it on a timer. The
 * CLI is a separate process from the daemon, so there is nothing to be woken by; a short
 * interval is cheap next to SQLite's own reads. SIGINT/SIGTERM end the loop cleanly so the
 * command can close its store and say where it stopped.
 */
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Calls `step` every `intervalMs` until it returns true ("done") or a signal arrives
 * ("signal"). The first call is immediate.
 */
export async function pollUntil(
  intervalMs: number,
  step: () => boolean | Promise<boolean>,
): Promise<"done" | "signal"> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    while (!stop.signal.aborted) {
      if (await step()) return "done";
      try {
        await sleep(intervalMs, undefined, { signal: stop.signal });
      } catch {
        break; // aborted by a signal
      }
    }
    return "signal";
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
