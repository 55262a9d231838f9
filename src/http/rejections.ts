/**
 * Refused webhook deliveries (docs/webhooks.md): counted per endpoint and reason in /metrics, the
 * last few per plugin kept for `postern status` and the dashboard, and raised as
 * `postern.webhook.rejected` (docs/operations.md), coalesced per (plugin, endpoint path). The CLI
 * is another process, so the list lives in the database (a meta row per plugin); a flood of bad
 * requests must not become a flood of fsyncs, so the list and the alert's counts are written
 * together, in one transaction at most once a second (the memory copy is bounded the same way:
 * MAX_KEPT per plugin, one count per configured endpoint). Whether an alert is due is decided in
 * that transaction against alert_state, so a due one costs no write of its own and one not due
 * is carried there (the scheduler's tick sends it once the interval has passed; a restart keeps it).
 */
import type { WebhookEndpoint } from "../config/types.js";
import { WEBHOOK_REJECTIONS_META_PREFIX, type WebhookRejection } from "../contracts/meta.js";
import { isoUtc } from "../core/clock.js";
import { type AlertSettings, accumulate, type PendingAlert } from "../core/system-events.js";
import type { RejectReason } from "../core/webhook-verify/index.js";
import type { CountedOccurrences, RaisedAlerts, Store } from "../store/index.js";

/** A verifier's reason, or one of the listener's own refusals. */
export type WebhookRejectReason = RejectReason | "too_large" | "body_timeout" | "bad_json";

export const MAX_KEPT = 10;
const WRITE_INTERVAL_MS = 1000;

export interface RejectionSink {
  record(endpoint: WebhookEndpoint, reason: WebhookRejectReason, remote: string | undefined): void;
}

export class WebhookRejections implements RejectionSink {
  private readonly recent = new Map<string, WebhookRejection[]>();
  private readonly dirty = new Set<string>();
  /** postern.webhook.rejected counted since the last write, per (plugin, endpoint path). */
  private readonly counted = new Map<string, CountedOccurrences>();
  private lastWriteMs = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: {
      store: Store;
      now: () => number;
      count: (path: string, reason: WebhookRejectReason) => void;
      onWriteError: (e: unknown) => void;
      onWritten: (plugins: string[]) => void;
      /** The current routes and interval (read per write: a reload may change them). */
      alerts: () => AlertSettings;
      /** System events sent or suppressed by a write (logged; their routed jobs need the dispatcher). */
      onAlerts: (raised: RaisedAlerts) => void;
    },
  ) {}

  /** Every refused delivery passes here once, and only here: the metric, the list and the alert. */
  record(endpoint: WebhookEndpoint, reason: WebhookRejectReason, remote: string | undefined): void {
    this.deps.count(endpoint.path, reason);
    const nowMs = this.deps.now();
    const list = this.recent.get(endpoint.plugin) ?? this.load(endpoint.plugin);
    list.push({ at: isoUtc(nowMs), path: endpoint.path, reason, remote: remote ?? null });
    if (list.length > MAX_KEPT) list.splice(0, list.length - MAX_KEPT);
    this.dirty.add(endpoint.plugin);
    this.countAlert(endpoint, reason, remote ?? null, nowMs);
    if (nowMs - this.lastWriteMs >= WRITE_INTERVAL_MS) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), WRITE_INTERVAL_MS).unref();
  }

  /** Writes what changed since the last write (also at stop). */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.lastWriteMs = this.deps.now();
    if (this.dirty.size === 0 && this.counted.size === 0) return;
    let raised: RaisedAlerts;
    try {
      const meta = [...this.dirty].map(
        (plugin) => [`${WEBHOOK_REJECTIONS_META_PREFIX}${plugin}`, this.recent.get(plugin) ?? []] as const,
      );
      raised = this.deps.store.recordWebhookRejections(meta, [...this.counted.values()], this.deps.alerts());
      this.deps.onWritten([...this.dirty]);
      this.dirty.clear();
      this.counted.clear();
    } catch (e) {
      // The count in /metrics is already right; the list and the alert's counts are kept in memory
      // and retried with the next refusal (or at stop).
      this.deps.onWriteError(e);
      return;
    }
    this.deps.onAlerts(raised);
  }

  /**
   * Counts the refusal for postern.webhook.rejected. The alert's `command` is the endpoint's
   * path: a plugin may have several endpoints, each coalesced on its own. A plugin that handles
   * system events is counted too, and the write logs it as not raised (no alert loops).
   */
  private countAlert(endpoint: WebhookEndpoint, reason: string, remote: string | null, at: number): void {
    const key = `${endpoint.plugin}\u0000${endpoint.path}`;
    const prev = this.counted.get(key);
    const pending: PendingAlert = accumulate(prev?.pending ?? null, {
      type: "postern.webhook.rejected",
      plugin: endpoint.plugin,
      command: endpoint.path,
      at,
      job: null,
      reason,
      webhook: { remote },
    });
    this.counted.set(key, {
      type: "postern.webhook.rejected",
      plugin: endpoint.plugin,
      command: endpoint.path,
      pending,
    });
  }

  /** The list a previous run left, so a restart does not forget the last refusals. */
  private load(plugin: string): WebhookRejection[] {
    let list: WebhookRejection[] = [];
    try {
      const stored = this.deps.store.getMeta<WebhookRejection[]>(
        `${WEBHOOK_REJECTIONS_META_PREFIX}${plugin}`,
      );
      if (Array.isArray(stored)) list = stored.slice(-MAX_KEPT);
    } catch {
      // Unreadable: start a fresh list; the write will say if the database is really gone.
    }
    this.recent.set(plugin, list);
    return list;
  }
}
