/**
 * The parts of the daemon that produce work or answer the outside world (scheduler, HTTP
 * listener) implement `Service` and receive `ServiceDeps`. The daemon composes them; they
 * never import the daemon.
 */
import type { Clock, Random } from "../core/clock.js";
import type { Logger } from "../log/logger.js";
import type { EnqueueInput, EnqueueResult, Store } from "../store/index.js";
import type { Runtime } from "./runtime.js";

export interface ServiceDeps {
  store: Store;
  clock: Clock;
  random: Random;
  /** The daemon's base logger: call `.child({ component: "..." })`. */
  log: Logger;
  /** The current runtime snapshot (config + plugins); read it per use, never cache it. */
  runtime: () => Runtime;
  /** Enqueue a job and wake the dispatcher at once (in-process producers). */
  submit: (input: EnqueueInput) => EnqueueResult;
  /**
   * Enqueue several jobs in ONE write transaction (results in input order; a throw means none was
   * queued) and wake the dispatcher if any was: the listener's group commit.
   */
  submitBatch: (inputs: EnqueueInput[]) => EnqueueResult[];
  /** Wall-clock ms when the daemon started. */
  startedAt: number;
  /** False while the plugin's last init failed: not scheduled, its jobs wait. */
  isHealthy?: (plugin: string) => boolean;
  /** Wake the dispatcher: a service committed jobs itself (a system event's routed jobs). */
  wake?: () => void;
}

export interface Service {
  readonly name: string;
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
  /** After a reload swapped the runtime: apply what changed for new work. */
  onRuntimeChange?(previous: Runtime, next: Runtime): Promise<void> | void;
  /** After plugin inits finished and the set of healthy plugins may have changed. */
  onHealthChange?(): Promise<void> | void;
}
