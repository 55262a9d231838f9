/** An AbortSignal that fires a little before the request's `deadline_at`. */
import { DeadlineError } from "./errors.js";

const MAX_MARGIN_MS = 1000;
// setTimeout fires at once for longer delays; a deadline that far away never matters.
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface DeadlineTimer {
  signal: AbortSignal;
  dispose(): void;
}

export function deadlineSignal(deadlineMs: number, nowMs: number, marginMs?: number): DeadlineTimer {
  const controller = new AbortController();
  const left = Math.max(0, deadlineMs - nowMs);
  // The core kills the process at the deadline; aborting a bit earlier leaves time to answer.
  const margin = marginMs ?? Math.min(MAX_MARGIN_MS, left / 10);
  const delay = Math.max(0, left - margin);
  if (delay > MAX_TIMER_MS) return { signal: controller.signal, dispose: () => {} };
  const timer = setTimeout(() => {
    controller.abort(
      new DeadlineError(
        `deadline reached: gave up ${Math.round(margin)} ms before deadline_at ${new Date(deadlineMs).toISOString()}`,
      ),
    );
  }, delay);
  // Deliberately not unref'd: a handler waiting only on this signal must still get its abort.
  // The timer is cleared when the handler settles, and the process exits after its answer.
  return { signal: controller.signal, dispose: () => clearTimeout(timer) };
}
