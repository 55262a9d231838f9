/**
 * The parts of the daemon that produce work or answer the outside world (scheduler, HTTP
 * listener) plug in here. Each gets the same narrow context and is started after recovery and
 * before the dispatcher, and stopped (in the same order) before the dispatcher drains at shutdown.
 */
import type { Clock, Random } from "../core/clock.js";
import { createHttpListener } from "../http/server.js";
import type { Logger } from "../log/logger.js";
import { createScheduler } from "../scheduler/index.js";
import type { EnqueueInput, EnqueueResult, Store } from "../store/index.js";
import type { Runtime } from "./runtime.js";

export interface DaemonContext {
  store: Store;
  clock: Clock;
  random: Random;
  /** The daemon's base logger: call `.child({ component: "..." })`. */
  log: Logger;
  /** The current runtime snapshot (config + plugins); read it per use, never cache it. */
  runtime: () => Runtime;
  /** Enqueue a job and wake the dispatcher at once (in-process producers). */
  submit: (input: EnqueueInput) => EnqueueResult;
  /** Wall-clock ms when the daemon started. */
  startedAt: number;
  /** False while the plugin's last init failed (SPEC §4.4): not scheduled, its jobs wait. */
  isHealthy?: (plugin: string) => boolean;
}

export interface Service {
  readonly name: string;
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
  /** After a reload swapped the runtime (SPEC §11): apply what changed for new work. */
  onRuntimeChange?(previous: Runtime, next: Runtime): Promise<void> | void;
  /** After plugin inits finished and the set of healthy plugins may have changed. */
  onHealthChange?(): Promise<void> | void;
}

/** The services, in start order, which is also their stop order. */
export function createServices(ctx: DaemonContext): Service[] {
  // The listener first: binding it is the last check that can refuse a start, so it comes
  // before the scheduler enqueues anything (SPEC §11 start order); and it stops first, so no
  // webhook arrives during shutdown.
  return [createHttpListener(ctx), createScheduler(ctx, ctx.isHealthy ? { isHealthy: ctx.isHealthy } : {})];
}
