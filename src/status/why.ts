/**
 * `postern why PLUGIN` (docs/operations.md): in one screen, why a plugin runs when it does and what kept
 * it from running: the next run and its reason, the last runs, the recent skip decisions of
 * the why-ledger, its circuits, heartbeats and the last system events about it.
 */
import type { Config } from "../config/types.js";
import type { LiveSet, WebhookRejection } from "../contracts/meta.js";
import type { PluginListing } from "../plugins/types.js";
import type { CircuitView } from "../scheduler/index.js";
import type { Store } from "../store/index.js";
import { type PauseView, pluginStatusOf } from "./model.js";

export interface WhyReport {
  plugin: string;
  enabled: boolean;
  loaded: boolean;
  healthy: boolean | null;
  /** Why it is not loaded or not healthy. */
  reason: string | null;
  /** `postern pause` (docs/operations.md): null when nothing of it is paused. */
  paused: PauseView | null;
  next_run_at: string | null;
  next_run_reason: string;
  runs: {
    job_id: string;
    command: string;
    status: string;
    submitted_by: string;
    created_at: string;
    completed_at: string | null;
    last_error: string | null;
  }[];
  skips: { kind: string; reason: string; count: number; first_at: string; last_at: string }[];
  circuits: Record<string, CircuitView>;
  heartbeats: {
    kind: string;
    within_ms: number | null;
    started_at: string;
    last_at: string | null;
    missed_at: string | null;
    state: "missed" | "ok";
  }[];
  alerts: { type: string; at: string; title: string; count: number; routed_to: string[] }[];
  /** The last refused webhook deliveries to its endpoints (docs/webhooks.md), newest last. */
  webhook_rejections: WebhookRejection[];
}

const RUNS = 10;
const SKIPS = 10;
const ALERTS = 5;

export function buildWhy(
  config: Config,
  listings: PluginListing[],
  store: Store | null,
  plugin: string,
  nowMs: number,
  /** The running daemon's own view of its plugins' health (the dashboard passes its own). */
  live: LiveSet | null = null,
): WhyReport {
  const pc = Object.hasOwn(config.plugins, plugin) ? config.plugins[plugin] : undefined;
  const status = pluginStatusOf(config, listings, store, nowMs, plugin, live);
  const expect = pc?.expect ?? null;
  return {
    plugin,
    enabled: status?.enabled ?? false,
    loaded: status?.loaded ?? false,
    healthy: status?.healthy ?? null,
    reason: status?.reason ?? null,
    paused: status?.paused ?? null,
    next_run_at: status?.next_run_at ?? null,
    next_run_reason: status?.next_run_reason ?? "not in the config",
    // Job summaries, not jobs: the report never needs a payload, so it never reads one.
    runs: (store?.jobPage({ plugin, limit: RUNS })?.jobs ?? []).map((j) => ({
      job_id: j.id,
      command: j.command,
      status: j.status,
      submitted_by: j.submitted_by,
      created_at: j.created_at,
      completed_at: j.completed_at,
      last_error: j.last_error,
    })),
    skips: (store?.whyLedger(plugin, SKIPS) ?? []).map((r) => ({
      kind: r.kind,
      reason: r.reason,
      count: r.count,
      first_at: r.first_at,
      last_at: r.last_at,
    })),
    circuits: status?.circuits ?? {},
    heartbeats: (store?.heartbeats(plugin) ?? []).map((h) => ({
      kind: h.kind,
      within_ms: expect === null ? null : h.kind === "success" ? expect.success_within : expect.event_within,
      started_at: h.started_at,
      last_at: h.last_at,
      missed_at: h.missed_at,
      state: h.missed_at === null ? "ok" : "missed",
    })),
    alerts: (store?.systemEvents(plugin, ALERTS) ?? []).map((e) => ({
      type: e.type,
      at: e.created_at,
      title: e.payload.title,
      count: e.payload.count,
      routed_to: e.routes.filter((r) => r.job_id !== null).map((r) => r.to),
    })),
    webhook_rejections: status?.webhook_rejections ?? [],
  };
}
