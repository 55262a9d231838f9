/**
 * Retry delay (docs/jobs.md, "Retries and backoff"): exponential in the attempt that just failed, plus up to one base of
 * jitter so retries of many jobs failing together do not stampede. Randomness is injected.
 */
import type { Random } from "./clock.js";

export function retryDelayMs(attemptJustFailed: number, backoffBaseMs: number, random: Random): number {
  if (!Number.isInteger(attemptJustFailed) || attemptJustFailed < 1) {
    throw new RangeError(`attempt must be an integer >= 1, got ${attemptJustFailed}`);
  }
  if (!Number.isFinite(backoffBaseMs) || backoffBaseMs < 0) {
    throw new RangeError(`backoff base must be >= 0 ms, got ${backoffBaseMs}`);
  }
  // Whole milliseconds: the delay ends up in an ISO timestamp with ms precision anyway.
  return backoffBaseMs * 2 ** (attemptJustFailed - 1) + Math.floor(random.next() * backoffBaseMs);
}
