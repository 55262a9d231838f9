/**
 * The daemon's live plugin set, for `status` and the dashboard: which plugins it has loaded and
 * enabled, and whether each is healthy, pending its init, or unhealthy, as the daemon itself
 * treats them now. The stored init records lag behind a reload (a changed plugin keeps its old,
 * healthy record until its new init has run), so a reader would otherwise show a plugin healthy
 * that the daemon holds back.
 */
import { isoUtc } from "../core/clock.js";
import type { Store } from "../store/index.js";
import type { Runtime } from "./runtime.js";

export const LIVE_META_KEY = "live";

export interface LivePlugin {
  /** true healthy, false its last init failed, null its init has not run yet (pending). */
  healthy: boolean | null;
}

export interface LiveSet {
  pid: number;
  at: string;
  /** The enabled, loaded plugins the daemon runs now; a plugin absent here does not run. */
  plugins: Record<string, LivePlugin>;
}

/** `unhealthy` holds back pending and failed plugins alike; `pending` says which are pending. */
export function publishLiveSet(
  store: Store,
  runtime: Runtime,
  unhealthy: ReadonlySet<string>,
  pending: ReadonlySet<string>,
  nowMs: number,
): void {
  const plugins: Record<string, LivePlugin> = {};
  for (const name of runtime.enabledPlugins) {
    plugins[name] = { healthy: pending.has(name) ? null : !unhealthy.has(name) };
  }
  store.putMeta(LIVE_META_KEY, { pid: process.pid, at: isoUtc(nowMs), plugins } satisfies LiveSet);
}
