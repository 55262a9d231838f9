/**
 * System events (docs/operations.md): what Postern itself raises with `source: postern`, routed with
 * ordinary `from: postern` routes. Pure: the coalescing state comes in as data, the new state
 * and the events to commit go out, so the store writes both in the transaction of the change
 * that caused them (docs/design.md, The transaction boundary).
 *
 * Coalescing follows Alertmanager's grouping (ARCHITECTURE example 16): per (type, plugin,
 * command), the first occurrence is sent at once; later ones within `alerts.min_interval` of the
 * last send accumulate (count, first/last time, up to 20 job ids) and go out together with the
 * next occurrence after the interval, or at the scheduler's tick once the interval has passed.
 */
import { isoUtc } from "./clock.js";
import type { RequestEvent } from "./protocol-types.js";
import { matchRoutes, type RouteRule } from "./routing.js";

/** The reserved source name: no plugin directory may use it. */
export const SYSTEM_SOURCE = "postern";

/** Job ids an event carries at most; `count` says how many there were in all. */
export const MAX_ALERT_JOB_IDS = 20;

export interface AlertFacts {
  plugin: string;
  command: string;
  count: number;
  reason: string;
}

/**
 * Every system event type and the one line its alert reads as (`payload.title`, which the
 * bundled notify's default template renders). Adding a type is one line here.
 */
const TITLES = {
  "postern.job.dead": (f: AlertFacts) => `${f.plugin} ${f.command}: ${jobs(f.count)} went dead (${f.reason})`,
  "postern.circuit.opened": (f: AlertFacts) => `${f.plugin} ${f.command}: circuit opened (${f.reason})`,
  "postern.circuit.closed": (f: AlertFacts) => `${f.plugin} ${f.command}: circuit closed (${f.reason})`,
  "postern.plugin.unhealthy": (f: AlertFacts) => `${f.plugin}: unhealthy (${f.reason})`,
  "postern.plugin.healthy": (f: AlertFacts) => `${f.plugin}: healthy again (${f.reason})`,
  "postern.heartbeat.missed": (f: AlertFacts) => `${f.plugin}: heartbeat missed (${f.reason})`,
  "postern.heartbeat.recovered": (f: AlertFacts) => `${f.plugin}: heartbeat recovered (${f.reason})`,
  "postern.webhook.rejected": (f: AlertFacts) =>
    `${f.plugin} ${f.command}: ${count(f.count, "webhook delivery", "webhook deliveries")} rejected (${f.reason})`,
} as const satisfies Record<string, (f: AlertFacts) => string>;

export type SystemEventType = keyof typeof TITLES;

export const SYSTEM_EVENT_TYPES: readonly SystemEventType[] = Object.keys(TITLES) as SystemEventType[];

export function isSystemEventType(type: string): type is SystemEventType {
  return Object.hasOwn(TITLES, type);
}

function count(n: number, noun: string, plural = `${noun}s`): string {
  return n === 1 ? `1 ${noun}` : `${n} ${plural}`;
}

function jobs(n: number): string {
  return count(n, "job");
}

/** One thing that happened and may be worth an alert. */
export interface Occurrence {
  type: SystemEventType;
  plugin: string;
  command: string;
  at: number;
  /** The job that caused it, when there is one (its id goes into the payload and parent_job_id). */
  job: { id: string; route_depth: number } | null;
  reason: string;
  /**
   * A refused webhook delivery (docs/webhooks.md): `command` is the endpoint's path, `reason` the
   * refusal's code; the alert counts the codes and keeps the last few remote addresses.
   */
  webhook?: { remote: string | null };
}

/** Distinct remote addresses a postern.webhook.rejected carries at most (newest kept). */
export const MAX_ALERT_REMOTES = 5;

/** Occurrences counted but not yet sent. */
export interface PendingAlert {
  count: number;
  first_at: number;
  last_at: number;
  job_ids: string[];
  reason: string;
  /** The last causing job, the parent of a flushed event's jobs. */
  last_job: { id: string; route_depth: number } | null;
  /** postern.webhook.rejected only: occurrences per refusal code. */
  reasons?: Record<string, number>;
  /** postern.webhook.rejected only: distinct remote addresses, oldest first, at most MAX_ALERT_REMOTES. */
  remotes?: string[];
}

/** Persisted per (type, plugin, command). */
export interface AlertState {
  last_sent_at: number | null;
  pending: PendingAlert | null;
}

export const NO_ALERT_STATE: AlertState = { last_sent_at: null, pending: null };

/** The payload of every system event (docs/operations.md). Times are ISO 8601 UTC. */
export interface SystemEventPayload {
  plugin: string;
  command: string;
  /** Up to MAX_ALERT_JOB_IDS ids of the jobs concerned, oldest first. */
  job_ids: string[];
  count: number;
  first_at: string;
  last_at: string;
  /** In words: the last occurrence's reason. */
  reason: string;
  /** One line for a person: what notify's default template shows. */
  title: string;
  /** postern.webhook.rejected only: the endpoint's path (also its `command`). */
  path?: string;
  /** postern.webhook.rejected only: how many deliveries were refused for each reason. */
  reasons?: Record<string, number>;
  /** postern.webhook.rejected only: the last distinct remote addresses (never a body or a signature). */
  remotes?: string[];
}

/** An alert to send: its type, payload and causing job. */
export interface Alert {
  type: SystemEventType;
  payload: SystemEventPayload;
  cause: { id: string; route_depth: number } | null;
}

export interface CoalesceStep {
  alert: Alert | null;
  next: AlertState;
}

/** One more occurrence into what is pending (null: the first). */
export function accumulate(pending: PendingAlert | null, occ: Occurrence): PendingAlert {
  const ids = pending?.job_ids ?? [];
  const withJob = occ.job === null || ids.length >= MAX_ALERT_JOB_IDS ? ids : [...ids, occ.job.id];
  const next: PendingAlert = {
    count: (pending?.count ?? 0) + 1,
    first_at: pending?.first_at ?? occ.at,
    last_at: occ.at,
    job_ids: withJob,
    reason: occ.reason,
    last_job: occ.job ?? pending?.last_job ?? null,
  };
  if (occ.webhook === undefined) return next;
  const remote = occ.webhook.remote;
  return {
    ...next,
    reasons: addCounts(pending?.reasons, { [occ.reason]: 1 }),
    remotes: remote === null ? (pending?.remotes ?? []) : addRemotes(pending?.remotes, [remote]),
  };
}

function addCounts(a: Record<string, number> | undefined, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [k, n] of Object.entries(b)) out[k] = (out[k] ?? 0) + n;
  return out;
}

function addRemotes(a: readonly string[] | undefined, b: readonly string[]): string[] {
  const out = (a ?? []).filter((r) => !b.includes(r));
  return [...out, ...b.filter((r, i) => b.indexOf(r) === i)].slice(-MAX_ALERT_REMOTES);
}

/**
 * Two runs of occurrences of one key as one (the older first): what a batching caller counted in
 * memory meets what the store already carries (store/system-events.ts, raisePendingAlerts).
 */
export function mergePending(older: PendingAlert | null, newer: PendingAlert): PendingAlert {
  if (older === null) return newer;
  const merged: PendingAlert = {
    count: older.count + newer.count,
    first_at: Math.min(older.first_at, newer.first_at),
    last_at: Math.max(older.last_at, newer.last_at),
    job_ids: [...older.job_ids, ...newer.job_ids].slice(0, MAX_ALERT_JOB_IDS),
    reason: newer.reason,
    last_job: newer.last_job ?? older.last_job,
  };
  if (older.reasons === undefined && newer.reasons === undefined) return merged;
  return {
    ...merged,
    reasons: addCounts(older.reasons, newer.reasons ?? {}),
    remotes: addRemotes(older.remotes, newer.remotes ?? []),
  };
}

/** In words, most frequent first: "12 bad_signature, 1 stale_timestamp". */
function reasonCounts(reasons: Record<string, number>): string {
  return Object.entries(reasons)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${n} ${k}`)
    .join(", ");
}

function toAlert(type: SystemEventType, plugin: string, command: string, p: PendingAlert): Alert {
  const reason = p.reasons === undefined ? p.reason : reasonCounts(p.reasons);
  const facts: AlertFacts = { plugin, command, count: p.count, reason };
  const payload: SystemEventPayload = {
    plugin,
    command,
    job_ids: p.job_ids,
    count: p.count,
    first_at: isoUtc(p.first_at),
    last_at: isoUtc(p.last_at),
    reason,
    title: TITLES[type](facts),
  };
  if (p.reasons !== undefined) {
    Object.assign(payload, { path: command, reasons: p.reasons, remotes: p.remotes ?? [] });
  }
  return { type, payload, cause: p.last_job };
}

/** Whether an alert may go out now under the interval rule. */
function maySend(state: AlertState, now: number, minIntervalMs: number): boolean {
  return state.last_sent_at === null || now - state.last_sent_at >= minIntervalMs;
}

/** One occurrence against the stored state: send now (with what accumulated) or count it. */
export function coalesce(state: AlertState, occ: Occurrence, minIntervalMs: number): CoalesceStep {
  const pending = accumulate(state.pending, occ);
  // A clock set back must not silence alerts for the length of the jump.
  if (maySend(state, occ.at, minIntervalMs) || (state.last_sent_at !== null && occ.at < state.last_sent_at)) {
    return {
      alert: toAlert(occ.type, occ.plugin, occ.command, pending),
      next: { last_sent_at: occ.at, pending: null },
    };
  }
  return { alert: null, next: { last_sent_at: state.last_sent_at, pending } };
}

/**
 * Occurrences counted elsewhere (`pending`, built with `accumulate`) against the stored
 * state: sent together with what the store carried when the interval allows, else carried.
 */
export function coalescePending(
  type: SystemEventType,
  plugin: string,
  command: string,
  state: AlertState,
  pending: PendingAlert,
  minIntervalMs: number,
): CoalesceStep {
  const merged = mergePending(state.pending, pending);
  const at = pending.last_at;
  if (maySend(state, at, minIntervalMs) || (state.last_sent_at !== null && at < state.last_sent_at)) {
    return { alert: toAlert(type, plugin, command, merged), next: { last_sent_at: at, pending: null } };
  }
  return { alert: null, next: { last_sent_at: state.last_sent_at, pending: merged } };
}

/** At a tick: what accumulated goes out once the interval since the last send has passed. */
export function flushPending(
  type: SystemEventType,
  plugin: string,
  command: string,
  state: AlertState,
  now: number,
  minIntervalMs: number,
): CoalesceStep | null {
  if (state.pending === null || !maySend(state, now, minIntervalMs)) return null;
  return { alert: toAlert(type, plugin, command, state.pending), next: { last_sent_at: now, pending: null } };
}

/** When what is pending may be flushed (ms), or null when nothing is pending. */
export function flushDueAt(state: AlertState, minIntervalMs: number): number | null {
  if (state.pending === null) return null;
  return state.last_sent_at === null ? state.pending.first_at : state.last_sent_at + minIntervalMs;
}

/**
 * A plugin that handles system events (the `to` of a `from: postern` route) never causes one
 * about itself: a broken notifier must not loop (its failures are logged at ERROR instead).
 */
export function handlesSystemEvents(routes: readonly RouteRule[], plugin: string): boolean {
  return routes.some((r) => r.from === SYSTEM_SOURCE && r.to === plugin);
}

/** What routing a system event needs to know, the same facts as an attempt's events. */
export interface SystemRouting {
  routes: readonly RouteRule[];
  enabledPlugins: ReadonlySet<string>;
  maxAttemptsFor: (plugin: string) => number;
  maxRouteDepth: number;
  newId: () => string;
}

export interface PlannedSystemRoute {
  to: string;
  job_id: string | null;
  dropped: string | null;
}

export interface PlannedSystemJob {
  id: string;
  plugin: string;
  command: "handle";
  payload: RequestEvent;
  submitted_by: "route";
  dedupe_key: null;
  parent_job_id: string | null;
  source_event_id: string;
  route_depth: number;
  max_attempts: number;
  created_at: string;
}

export interface PlannedSystemEvent {
  event_id: string;
  type: SystemEventType;
  plugin: string;
  command: string;
  payload: SystemEventPayload;
  cause_job_id: string | null;
  timestamp: string;
  routes: PlannedSystemRoute[];
  jobs: PlannedSystemJob[];
}

/** The event as committed and the `handle` jobs of its routes (docs/jobs.md, "Events and routing": exact match, fan-out). */
export function planSystemEvent(alert: Alert, nowMs: number, routing: SystemRouting): PlannedSystemEvent {
  const timestamp = isoUtc(nowMs);
  const event: RequestEvent = {
    event_id: routing.newId(),
    type: alert.type,
    payload: alert.payload,
    source: SYSTEM_SOURCE,
    timestamp,
    dedupe_key: null,
  };
  const depth = (alert.cause?.route_depth ?? 0) + 1;
  const routes: PlannedSystemRoute[] = [];
  const jobs: PlannedSystemJob[] = [];
  for (const to of matchRoutes(routing.routes, SYSTEM_SOURCE, alert.type)) {
    const dropped =
      depth > routing.maxRouteDepth
        ? `max_route_depth ${routing.maxRouteDepth} exceeded`
        : routing.enabledPlugins.has(to)
          ? null
          : `route target ${to} is disabled`;
    if (dropped !== null) {
      routes.push({ to, job_id: null, dropped });
      continue;
    }
    const id = routing.newId();
    routes.push({ to, job_id: id, dropped: null });
    jobs.push({
      id,
      plugin: to,
      command: "handle",
      payload: event,
      submitted_by: "route",
      dedupe_key: null,
      parent_job_id: alert.cause?.id ?? null,
      source_event_id: event.event_id,
      route_depth: depth,
      max_attempts: routing.maxAttemptsFor(to),
      created_at: timestamp,
    });
  }
  return {
    event_id: event.event_id,
    type: alert.type,
    plugin: alert.payload.plugin,
    command: alert.payload.command,
    payload: alert.payload,
    cause_job_id: alert.cause?.id ?? null,
    timestamp,
    routes,
    jobs,
  };
}

/** Routing plus the interval: everything raising an alert needs besides the stored state. */
export interface AlertSettings extends SystemRouting {
  minIntervalMs: number;
}

/** A breaker transition worth an alert: a circuit that opened (or re-opened) or closed. */
export function circuitOccurrence(
  transition: { from: string; to: string; reason: string },
  plugin: string,
  command: string,
  at: number,
  job: { id: string; route_depth: number } | null,
): Occurrence | null {
  const type =
    transition.to === "open"
      ? "postern.circuit.opened"
      : transition.to === "closed"
        ? "postern.circuit.closed"
        : null;
  if (type === null) return null;
  return { type, plugin, command, at, job, reason: transition.reason };
}
