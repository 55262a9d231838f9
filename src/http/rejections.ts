/**
 * Refused webhook deliveries (docs/webhooks.md): counted per endpoint and reason in /metrics, and the
 * last few per plugin kept for `postern status` and the dashboard. The CLI is another process,
 * so the list lives in the database (a meta row per plugin); a flood of bad requests must not
 * become a flood of fsyncs, so it is written at most once a second (the memory copy is bounded
 * the same way: MAX_KEPT per plugin).
 */
import type { WebhookEndpoint } from "../config/types.js";
import { WEBHOOK_REJECTIONS_META_PREFIX, type WebhookRejection } from "../contracts/meta.js";
import { isoUtc } from "../core/clock.js";
import type { RejectReason } from "../core/webhook-verify/index.js";
import type { Store } from "../store/index.js";

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
  private lastWriteMs = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: {
      store: Store;
      now: () => number;
      count: (path: string, reason: WebhookRejectReason) => void;
      onWriteError: (e: unknown) => void;
      onWritten: (plugins: string[]) => void;
    },
  ) {}

  /**
   * Every refused delivery passes here once. `postern.webhook.rejected` (docs/webhooks.md, raised
   * coalesced once the alerts issue's system events exist) hooks in here, and only here.
   */
  record(endpoint: WebhookEndpoint, reason: WebhookRejectReason, remote: string | undefined): void {
    this.deps.count(endpoint.path, reason);
    const nowMs = this.deps.now();
    const list = this.recent.get(endpoint.plugin) ?? this.load(endpoint.plugin);
    list.push({ at: isoUtc(nowMs), path: endpoint.path, reason, remote: remote ?? null });
    if (list.length > MAX_KEPT) list.splice(0, list.length - MAX_KEPT);
    this.dirty.add(endpoint.plugin);
    if (nowMs - this.lastWriteMs >= WRITE_INTERVAL_MS) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), WRITE_INTERVAL_MS).unref();
  }

  /** Writes what changed since the last write (also at stop). */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.lastWriteMs = this.deps.now();
    if (this.dirty.size === 0) return;
    try {
      for (const plugin of this.dirty) {
        this.deps.store.putMeta(`${WEBHOOK_REJECTIONS_META_PREFIX}${plugin}`, this.recent.get(plugin) ?? []);
      }
      this.deps.onWritten([...this.dirty]);
      this.dirty.clear();
    } catch (e) {
      // The count in /metrics is already right; the list is retried with the next refusal.
      this.deps.onWriteError(e);
    }
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
