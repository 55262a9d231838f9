/**
 * /healthz (docs/webhooks.md): liveness plus the few numbers an operator or a monitor wants at a
 * glance. Counts only, never names, secrets or config values (it needs no authentication).
 * A database that cannot be read answers 503 with `status: "degraded"`: a load balancer or
 * uptime check should treat a daemon that cannot queue work as unhealthy, and the body still
 * says why. The same holds while commits fail (disk full: every webhook gets 503): degraded
 * from the failed commit until the next one succeeds.
 */
import type { Runtime } from "../contracts/runtime.js";
import { type Clock, isoUtc } from "../core/clock.js";
import type { Store } from "../store/index.js";

export interface HealthReport {
  status: "ok" | "degraded";
  reason?: string;
  uptime_seconds: number;
  queue_depth: number | null;
  oldest_ready_age_seconds: number | null;
  /** Configured plugins whose directory passed the manifest and trust checks. */
  plugins_loaded: number;
  /** Configured, enabled and loaded: the plugins that can run. */
  plugins_enabled: number;
  /** Plugins with at least one circuit (per command) open or half-open. */
  plugins_circuit_open: number | null;
  /** The last commit that failed since the start (kept after commits recover), or null. */
  last_commit_error: { code: string; at: string } | null;
  /** Plugins paused as a whole or in one of their commands (`postern pause`). */
  plugins_paused: number | null;
}

export function healthReport(deps: {
  store: Store;
  clock: Clock;
  runtime: Runtime;
  startedAt: number;
  onStoreError: (e: unknown) => void;
}): { code: 200 | 503; body: HealthReport } {
  const now = deps.clock.now();
  const base = {
    uptime_seconds: Math.max(0, Math.floor((now - deps.startedAt) / 1000)),
    plugins_loaded: Object.keys(deps.runtime.config.plugins).filter((p) => deps.runtime.registry.has(p))
      .length,
    plugins_enabled: deps.runtime.enabledPlugins.size,
    last_commit_error: lastCommitError(deps.store),
  };
  try {
    const stats = deps.store.queueStats(now);
    const open = new Set<string>();
    for (const b of deps.store.breakers()) {
      if (b.state === "open" || b.state === "half_open") open.add(b.plugin);
    }
    const commits = deps.store.commitHealth();
    const failing = commits.failing && base.last_commit_error !== null;
    return {
      code: failing ? 503 : 200,
      body: {
        status: failing ? "degraded" : "ok",
        ...(failing
          ? {
              reason: `commits are failing (${base.last_commit_error?.code} at ${base.last_commit_error?.at}); webhooks get 503 until one succeeds`,
            }
          : {}),
        ...base,
        queue_depth: stats.queue_depth,
        oldest_ready_age_seconds: stats.oldest_ready_age_seconds,
        plugins_circuit_open: open.size,
        plugins_paused: new Set(deps.store.pauses().map((p) => p.plugin)).size,
      },
    };
  } catch (e) {
    deps.onStoreError(e);
    return {
      code: 503,
      body: {
        status: "degraded",
        // The error code only: a message may carry a path, and this endpoint is unauthenticated.
        reason: `database cannot be read (${errorCode(e)})`,
        ...base,
        queue_depth: null,
        oldest_ready_age_seconds: null,
        plugins_circuit_open: null,
        plugins_paused: null,
      },
    };
  }
}

function lastCommitError(store: Store): HealthReport["last_commit_error"] {
  const last = store.commitHealth().last_error;
  return last === null ? null : { code: last.code, at: isoUtc(last.at_ms) };
}

function errorCode(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^SQLITE_[A-Z0-9_]+$/.test(code) ? code : "see the daemon log";
}
