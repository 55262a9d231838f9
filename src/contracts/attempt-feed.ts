/**
 * Attempt outcomes, pushed by the dispatcher (execute.ts) to whoever counts them (the
 * /metrics registry). A module-level feed keeps the dispatcher free of any metrics library
 * and lets the listener subscribe only while it runs.
 */
import type { AttemptStatus } from "../core/outcome.js";

export interface AttemptReport {
  plugin: string;
  command: string;
  outcome: AttemptStatus;
  /** The job's status after this attempt: queued (a retry follows), succeeded or dead. */
  jobStatus: string;
  /** null when the plugin was never started (refused before spawn). */
  durationMs: number | null;
}

type Subscriber = (report: AttemptReport) => void;
const subscribers = new Set<Subscriber>();

export function reportAttempt(report: AttemptReport): void {
  for (const subscriber of subscribers) {
    try {
      subscriber(report);
    } catch {
      // Counting is best effort: it must never fail the attempt that is being recorded.
    }
  }
}

/** Returns the unsubscribe function. */
export function subscribeAttempts(subscriber: Subscriber): () => void {
  subscribers.add(subscriber);
  return () => {
    subscribers.delete(subscriber);
  };
}
