/**
 * `postern status` as data (shared by the CLI and the dashboard) (SPEC §13.1 `status --json`): the daemon, the queue, and per plugin
 * whether it is loaded, enabled and healthy, when it runs next and why not sooner, how it last
 * went, its circuits and dedupe hits, and (optionally) the result of its `health` command.
 */
import type { Config } from "../config/types.js";
import {
  DAEMON_META_KEY,
  type DaemonMeta,
  INIT_META_PREFIX,
  type InitResult,
  WEBHOOK_REJECTIONS_META_PREFIX,
  type WebhookRejection,
} from "../contracts/meta.js";
import { runningDaemonPid } from "../instance/lock.js";
import { pluginRegistry } from "../plugins/index.js";
import type { LoadedPlugin, PluginListing } from "../plugins/types.js";
import { type CircuitView, circuitsView, scheduleView } from "../scheduler/index.js";
import type { Store } from "../store/index.js";

export interface PluginStatus {
  name: string;
  loaded: boolean;
  enabled: boolean;
  healthy: boolean | null;
  next_run_at: string | null;
  next_run_reason: string;
  last_success_at: string | null;
  last_failure_at: string | null;
  last_error: string | null;
  dedupe_hits: number;
  circuits: Record<string, CircuitView>;
  health: null | { status: "ok" | "error"; error: string | null };
  /** Why it is not loaded or not healthy (extra field). */
  reason: string | null;
  /** The last webhook deliveries refused on its endpoints, newest last (extra field, SPEC §17). */
  webhook_rejections: WebhookRejection[];
}

export interface StatusReport {
  daemon: {
    running: boolean;
    pid: number | null;
    uptime_seconds: number | null;
    config_file: string | null;
    version: string | null;
  };
  queue_depth: number;
  oldest_ready_age_seconds: number | null;
  plugins: PluginStatus[];
}

export function buildStatus(
  config: Config,
  listings: PluginListing[],
  store: Store | null,
  nowMs: number,
): StatusReport {
  const pid = runningDaemonPid(config.service.state_dir);
  const meta = store?.getMeta<DaemonMeta>(DAEMON_META_KEY) ?? null;
  const running = pid !== null;
  const daemon = {
    running,
    pid,
    uptime_seconds:
      running && meta ? Math.max(0, Math.round((nowMs - Date.parse(meta.started_at)) / 1000)) : null,
    config_file: running ? (meta?.config_file ?? null) : null,
    version: running ? (meta?.version ?? null) : null,
  };
  const stats = store?.queueStats(nowMs) ?? { queue_depth: 0, oldest_ready_age_seconds: null };
  const plugins = pluginStatuses(config, listings, store, nowMs);
  return {
    daemon,
    queue_depth: stats.queue_depth,
    oldest_ready_age_seconds: stats.oldest_ready_age_seconds,
    plugins,
  };
}

/** Per configured plugin, in config order: the `plugins` part of the report. */
export function pluginStatuses(
  config: Config,
  listings: PluginListing[],
  store: Store | null,
  nowMs: number,
): PluginStatus[] {
  const registry = pluginRegistry(listings);
  return Object.entries(config.plugins).map(([name, pc]) =>
    pluginStatus(name, pc.enabled, registry.get(name) ?? null, listings, config, store, nowMs),
  );
}

function pluginStatus(
  name: string,
  enabled: boolean,
  plugin: LoadedPlugin | null,
  listings: PluginListing[],
  config: Config,
  store: Store | null,
  nowMs: number,
): PluginStatus {
  const listing = listings.find((l) => l.name === name);
  const init = store?.getMeta<InitResult>(`${INIT_META_PREFIX}${name}`) ?? null;
  const hasInit = plugin?.manifest.commands.includes("init") ?? false;
  const healthy = plugin === null ? null : !hasInit ? true : init === null ? null : init.healthy;
  const reason =
    plugin === null
      ? (listing?.reason ?? "no plugin directory")
      : healthy === false
        ? `init failed: ${init?.error ?? "unknown error"}`
        : null;
  const empty = {
    next_run_at: null,
    next_run_reason: "no database yet (the daemon has not run)",
    last_success_at: null,
    last_failure_at: null,
    last_error: null,
    dedupe_hits: 0,
    circuits: {},
    webhook_rejections: [],
  };
  if (store === null)
    return { name, loaded: plugin !== null, enabled, healthy, health: null, reason, ...empty };
  const facts = {
    loaded: plugin !== null,
    hasPoll: plugin?.manifest.commands.includes("poll") ?? false,
    healthy: healthy !== false,
  };
  const schedule = enabled
    ? scheduleView({ store, config, plugin: name, facts, nowMs })
    : { next_run_at: null, next_run_reason: "disabled" };
  const breakers = store.breakers(name);
  const latest = (xs: (string | null)[]) =>
    xs
      .filter((x): x is string => x !== null)
      .sort()
      .at(-1) ?? null;
  const lastFailureAt = latest(breakers.map((b) => b.last_failure_at));
  const lastFailed = store
    .recentAttempts({ plugin: name, limit: 50 })
    .filter((a) => a.status !== "succeeded")
    .at(-1);
  return {
    name,
    loaded: plugin !== null,
    enabled,
    healthy,
    next_run_at: schedule.next_run_at,
    next_run_reason: schedule.next_run_reason,
    last_success_at: latest(breakers.map((b) => b.last_success_at)),
    last_failure_at: lastFailureAt ?? lastFailed?.completed_at ?? null,
    last_error: lastFailed?.error ?? null,
    dedupe_hits: store.dedupeHits(name),
    circuits: circuitsView({ store, config, plugin: name, nowMs }),
    health: null,
    reason,
    webhook_rejections: store.getMeta<WebhookRejection[]>(`${WEBHOOK_REJECTIONS_META_PREFIX}${name}`) ?? [],
  };
}
