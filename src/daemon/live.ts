/** Publishes the live plugin set (src/contracts/meta.ts, `live`) whenever it may have changed. */

import { LIVE_META_KEY, type LivePlugin, type LiveSet } from "../contracts/meta.js";
import { isoUtc } from "../core/clock.js";
import type { Store } from "../store/index.js";
import type { Runtime } from "./runtime.js";

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
