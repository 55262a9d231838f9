/**
 * `postern status` as data (shared by the CLI and the dashboard) (docs/jobs.md, "The operator commands" `status --json`): the daemon, the queue, and per plugin
 * whether it is loaded, enabled and healthy, when it runs next and why not sooner, how it last
 * went, its circuits and dedupe hits, and (optionally) the result of its `health` command.
 */
import type { Config } from "../config/types.js";
import {
  DAEMON_META_KEY,
  type DaemonMeta,
  INIT_META_PREFIX,
  type InitResult,
  LIVE_META_KEY,
  type LiveSet,
  WEBHOOK_REJECTIONS_META_PREFIX,
  type WebhookRejection,
} from "../contracts/meta.js";
import { runningDaemonPid } from "../instance/lock.js";
import { pluginRegistry } from "../plugins/index.js";
import type { LoadedPlugin, PluginListing } from "../plugins/types.js";
import { type CircuitView, circuitsView, scheduleView } from "../scheduler/index.js";
import type { PauseRow, Store } from "../store/index.js";

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
  /**
   * `postern pause` (docs/operations.md): null when nothing of it is paused; `all` when the whole plugin
   * is, else the paused `commands`; `since` is the earliest pause.
   */
  paused: PauseView | null;
  /** The last webhook deliveries refused on its endpoints, newest last (extra field, docs/webhooks.md). */
  webhook_rejections: WebhookRejection[];
}

export interface PauseView {
  all: boolean;
  commands: string[];
  since: string;
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
  const { daemon, live } = daemonPart(config.service.state_dir, store, nowMs);
  const stats = store?.queueStats(nowMs) ?? { queue_depth: 0, oldest_ready_age_seconds: null };
  const plugins = pluginStatuses(config, listings, store, nowMs, live);
  return {
    daemon,
    queue_depth: stats.queue_depth,
    oldest_ready_age_seconds: stats.oldest_ready_age_seconds,
    plugins,
  };
}

/**
 * Status when the config file does not validate (docs/jobs.md, "The operator commands"): what the database and the running
 * daemon know. The plugins are those the daemon runs (its live set) and those with a circuit
 * on record; when they run next needs the config, so that is left unknown.
 */
export function buildStatusWithoutConfig(stateDir: string, store: Store | null, nowMs: number): StatusReport {
  const { daemon, live } = daemonPart(stateDir, store, nowMs);
  const stats = store?.queueStats(nowMs) ?? { queue_depth: 0, oldest_ready_age_seconds: null };
  const breakers = store?.breakers() ?? [];
  const names = [...new Set([...Object.keys(live?.plugins ?? {}), ...breakers.map((b) => b.plugin)])].sort();
  const plugins = names.map((name): PluginStatus => {
    const rows = breakers.filter((b) => b.plugin === name);
    const lastFailed = store
      ?.recentAttempts({ plugin: name, limit: 50 })
      .filter((a) => a.status !== "succeeded")
      .at(-1);
    const inLive = live?.plugins[name];
    return {
      name,
      loaded: inLive !== undefined,
      enabled: inLive !== undefined,
      healthy: inLive?.healthy ?? null,
      next_run_at: null,
      next_run_reason: "unknown: the config file does not validate",
      last_success_at: latestOf(rows.map((b) => b.last_success_at)),
      last_failure_at: latestOf(rows.map((b) => b.last_failure_at)) ?? lastFailed?.completed_at ?? null,
      last_error: lastFailed?.error ?? null,
      dedupe_hits: store?.dedupeHits(name) ?? 0,
      circuits: Object.fromEntries(
        rows.map((r) => [r.command, { state: r.state, failures: r.failures, opened_at: r.opened_at }]),
      ),
      health: null,
      reason: inLive === undefined ? "not run by the daemon now (or the daemon is not running)" : null,
      paused: store ? pauseView(store.pauses(name)) : null,
      webhook_rejections:
        store?.getMeta<WebhookRejection[]>(`${WEBHOOK_REJECTIONS_META_PREFIX}${name}`) ?? [],
    };
  });
  return {
    daemon,
    queue_depth: stats.queue_depth,
    oldest_ready_age_seconds: stats.oldest_ready_age_seconds,
    plugins,
  };
}

function daemonPart(
  stateDir: string,
  store: Store | null,
  nowMs: number,
): { daemon: StatusReport["daemon"]; live: LiveSet | null } {
  const pid = runningDaemonPid(stateDir);
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
  // The running daemon's own view of its plugins wins over the stored init records.
  const live = store === null || pid === null ? null : readLiveSet(store, pid);
  return { daemon, live };
}

function latestOf(xs: (string | null)[]): string | null {
  return (
    xs
      .filter((x): x is string => x !== null)
      .sort()
      .at(-1) ?? null
  );
}

/** What closes a circuit now, printed beside every open one (status, dashboard, `run --wait`). */
export function resetCommand(plugin: string, command: string): string {
  return `postern reset ${plugin} --command ${command}`;
}

/** A plugin's one-word state, in one order for status, `why` and the dashboard: a plugin that could
 * not be loaded says so before anything else, then disabled, paused (whole plugin), unhealthy. */
export type PluginState = "refused" | "disabled" | "paused" | "unhealthy" | "init pending" | "ok";

export function pluginState(p: {
  loaded: boolean;
  enabled: boolean;
  healthy: boolean | null;
  paused: PauseView | null;
}): PluginState {
  if (!p.loaded) return "refused";
  if (!p.enabled) return "disabled";
  if (p.paused?.all) return "paused";
  if (p.healthy === false) return "unhealthy";
  return p.healthy === null ? "init pending" : "ok";
}

/** The running daemon's live set, if a daemon runs on this state directory (`postern why`, status). */
export function runningLiveSet(stateDir: string, store: Store): LiveSet | null {
  const pid = runningDaemonPid(stateDir);
  return pid === null ? null : readLiveSet(store, pid);
}

/** The live set published by the daemon with this pid, or null (another daemon's, or none). */
export function readLiveSet(store: Store, pid: number): LiveSet | null {
  const live = store.getMeta<LiveSet>(LIVE_META_KEY);
  return live !== null && live.pid === pid ? live : null;
}

/** Per configured plugin, in config order: the `plugins` part of the report. */
export function pluginStatuses(
  config: Config,
  listings: PluginListing[],
  store: Store | null,
  nowMs: number,
  live: LiveSet | null = null,
): PluginStatus[] {
  const registry = pluginRegistry(listings);
  return Object.entries(config.plugins).map(([name, pc]) =>
    pluginStatus(name, pc.enabled, registry.get(name) ?? null, listings, config, store, nowMs, live),
  );
}

/**
 * One configured plugin's status, or null when the config has no plugin of that name: what `why`
 * and the dashboard's plugin page need, without reading every other plugin's rows.
 */
export function pluginStatusOf(
  config: Config,
  listings: PluginListing[],
  store: Store | null,
  nowMs: number,
  name: string,
  live: LiveSet | null = null,
): PluginStatus | null {
  if (!Object.hasOwn(config.plugins, name)) return null;
  const pc = config.plugins[name];
  if (pc === undefined) return null;
  const plugin = pluginRegistry(listings).get(name) ?? null;
  return pluginStatus(name, pc.enabled, plugin, listings, config, store, nowMs, live);
}

function pluginStatus(
  name: string,
  enabled: boolean,
  plugin: LoadedPlugin | null,
  listings: PluginListing[],
  config: Config,
  store: Store | null,
  nowMs: number,
  live: LiveSet | null,
): PluginStatus {
  const listing = listings.find((l) => l.name === name);
  const init = store?.getMeta<InitResult>(`${INIT_META_PREFIX}${name}`) ?? null;
  const hasInit = plugin?.manifest.commands.includes("init") ?? false;
  const stored = plugin === null ? null : !hasInit ? true : init === null ? null : init.healthy;
  const livePlugin = live?.plugins[name];
  const healthy = plugin === null || livePlugin === undefined ? stored : livePlugin.healthy;
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
    return { name, loaded: plugin !== null, enabled, healthy, health: null, reason, paused: null, ...empty };
  const facts = {
    loaded: plugin !== null,
    hasPoll: plugin?.manifest.commands.includes("poll") ?? false,
    healthy: healthy !== false,
  };
  const schedule = enabled
    ? scheduleView({ store, config, plugin: name, facts, nowMs })
    : { next_run_at: null, next_run_reason: "disabled" };
  const breakers = store.breakers(name);
  const lastFailureAt = latestOf(breakers.map((b) => b.last_failure_at));
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
    last_success_at: latestOf(breakers.map((b) => b.last_success_at)),
    last_failure_at: lastFailureAt ?? lastFailed?.completed_at ?? null,
    last_error: lastFailed?.error ?? null,
    dedupe_hits: store.dedupeHits(name),
    circuits: circuitsView({ store, config, plugin: name, nowMs }),
    health: null,
    reason,
    paused: pauseView(store.pauses(name)),
    webhook_rejections: store.getMeta<WebhookRejection[]>(`${WEBHOOK_REJECTIONS_META_PREFIX}${name}`) ?? [],
  };
}

export function pauseView(rows: PauseRow[]): PauseView | null {
  if (rows.length === 0) return null;
  return {
    all: rows.some((r) => r.command === null),
    commands: rows.flatMap((r) => (r.command === null ? [] : [r.command])),
    since: rows.map((r) => r.paused_at).sort()[0] as string,
  };
}
