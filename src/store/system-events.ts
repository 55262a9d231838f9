/**
 * Raising system events (docs/operations.md) inside the caller's write transaction, so an event and its
 * routed jobs commit with the change that caused it, or not at all. The decisions are
 * core/system-events.ts's; this module reads and writes their state.
 */
import {
  type Alert,
  type AlertSettings,
  coalesce,
  coalescePending,
  flushPending,
  handlesSystemEvents,
  isSystemEventType,
  type Occurrence,
  type PendingAlert,
  type PlannedSystemEvent,
  planSystemEvent,
  type SystemEventType,
} from "../core/system-events.js";
import type { StoreConnection } from "./connection.js";

/** What raising alerts did, for the log and the caller's metrics. */
export interface RaisedAlerts {
  /** Events sent (committed with their routed jobs). */
  sent: PlannedSystemEvent[];
  /** Occurrences about a plugin that handles system events: not raised, to be logged at ERROR. */
  suppressed: Occurrence[];
}

export function noAlerts(): RaisedAlerts {
  return { sent: [], suppressed: [] };
}

/** Coalesces each occurrence against its stored state; call inside a write transaction. */
export function raiseAlerts(
  ctx: StoreConnection,
  occurrences: readonly Occurrence[],
  settings: AlertSettings | null | undefined,
  out: RaisedAlerts = noAlerts(),
): RaisedAlerts {
  if (!settings) return out;
  for (const occ of occurrences) {
    if (handlesSystemEvents(settings.routes, occ.plugin)) {
      out.suppressed.push(occ);
      continue;
    }
    const step = coalesce(ctx.alerts.get(occ.type, occ.plugin, occ.command), occ, settings.minIntervalMs);
    ctx.alerts.put(occ.type, occ.plugin, occ.command, step.next, settings.minIntervalMs);
    if (step.alert !== null) out.sent.push(send(ctx, step.alert, settings));
  }
  return out;
}

/** Occurrences of one key counted in memory by a batching caller (the webhook listener). */
export interface CountedOccurrences {
  type: SystemEventType;
  plugin: string;
  command: string;
  pending: PendingAlert;
}

/**
 * Merges what a caller counted in memory into the stored state: sent when the interval allows,
 * else carried in alert_state (so the tick flushes it and a restart keeps it). Inside a write transaction.
 */
export function raisePendingAlerts(
  ctx: StoreConnection,
  counted: readonly CountedOccurrences[],
  settings: AlertSettings,
): RaisedAlerts {
  const out = noAlerts();
  for (const c of counted) {
    if (handlesSystemEvents(settings.routes, c.plugin)) {
      out.suppressed.push({
        type: c.type,
        plugin: c.plugin,
        command: c.command,
        at: c.pending.last_at,
        job: null,
        reason: `${c.pending.count} in all, the last: ${c.pending.reason}`,
      });
      continue;
    }
    const state = ctx.alerts.get(c.type, c.plugin, c.command);
    const step = coalescePending(c.type, c.plugin, c.command, state, c.pending, settings.minIntervalMs);
    ctx.alerts.put(c.type, c.plugin, c.command, step.next, settings.minIntervalMs);
    if (step.alert !== null) out.sent.push(send(ctx, step.alert, settings));
  }
  return out;
}

/** The scheduler's tick: sends what accumulated where the interval has passed. */
export function flushAlerts(
  ctx: StoreConnection,
  nowMs: number,
  settings: AlertSettings,
  limit = 1000,
): RaisedAlerts {
  const out = noAlerts();
  for (const row of ctx.alerts.due(nowMs, limit)) {
    if (!isSystemEventType(row.type)) continue;
    const type: SystemEventType = row.type;
    const step = flushPending(type, row.plugin, row.command, row.state, nowMs, settings.minIntervalMs);
    if (step === null) {
      // The interval grew since due_at was written: store the later due time.
      ctx.alerts.put(type, row.plugin, row.command, row.state, settings.minIntervalMs);
      continue;
    }
    ctx.alerts.put(type, row.plugin, row.command, step.next, settings.minIntervalMs);
    if (step.alert !== null) out.sent.push(send(ctx, step.alert, settings));
  }
  return out;
}

function send(ctx: StoreConnection, alert: Alert, settings: AlertSettings): PlannedSystemEvent {
  const planned = planSystemEvent(alert, ctx.clock.now(), settings);
  for (const j of planned.jobs) ctx.jobs.insertPlanned(j);
  ctx.alerts.insertEvent(planned);
  return planned;
}
