/**
 * /metrics without paying for prom-client until someone scrapes: most personal installs never
 * do, and prom-client (with @opentelemetry/api) costs the idle daemon about 2 MB of memory and
 * 40 ms of start-up (docs/performance.md). Until the first scrape, counts are tallied in plain
 * maps; the first scrape loads prom-client and replays them, after which every record goes
 * straight to it. The series a scrape shows are the same as with an eager registry.
 */

import type { AttemptReport } from "../contracts/attempt-feed.js";
import type { Clock } from "../core/clock.js";
import type { Store } from "../store/index.js";
import type { Metrics, WebhookSeries } from "./metrics.js";

/** Above this many buffered durations the registry is loaded at once (memory stays bounded). */
const MAX_BUFFERED_DURATIONS = 10_000;

export class LazyMetrics {
  private metrics: Metrics | null = null;
  private loading: Promise<Metrics> | null = null;
  private readonly requests = new Map<string, { path: string; code: number; n: number }>();
  /** Webhook refusals and secret matches (docs/webhooks.md): label pairs → count, until the first scrape. */
  private readonly webhookCounts = new Map<
    string,
    { series: WebhookSeries; path: string; label: string; n: number }
  >();
  private attempts: AttemptReport[] = [];

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  recordRequest(path: string, code: number): void {
    if (this.metrics) {
      this.metrics.recordRequest(path, code);
      return;
    }
    const key = `${code} ${path}`;
    const entry = this.requests.get(key);
    if (entry) entry.n += 1;
    else this.requests.set(key, { path, code, n: 1 });
  }

  /** A refused delivery, by endpoint path and reason (bounded labels: configured paths, fixed reasons). */
  recordRejected(path: string, reason: string): void {
    this.recordWebhook("rejected", path, reason);
  }

  /** Which configured secret (by index, never the secret) verified a delivery. */
  recordSecretMatch(path: string, index: number): void {
    this.recordWebhook("secret", path, String(index));
  }

  private recordWebhook(series: WebhookSeries, path: string, label: string): void {
    if (this.metrics) {
      this.metrics.recordWebhook(series, path, label);
      return;
    }
    const key = `${series} ${label} ${path}`;
    const entry = this.webhookCounts.get(key);
    if (entry) entry.n += 1;
    else this.webhookCounts.set(key, { series, path, label, n: 1 });
  }

  recordAttempt(report: AttemptReport): void {
    if (this.metrics) {
      this.metrics.recordAttempt(report);
      return;
    }
    this.attempts.push(report);
    // A failed load is retried at the next scrape; the buffer keeps its bound meanwhile.
    if (this.attempts.length >= MAX_BUFFERED_DURATIONS) this.load().catch(() => this.attempts.shift());
  }

  async render(onStoreError: (e: unknown) => void): Promise<{ text: string; contentType: string }> {
    const metrics = await this.load();
    return { text: await metrics.render(onStoreError), contentType: metrics.contentType };
  }

  private load(): Promise<Metrics> {
    this.loading ??= import("./metrics.js").then(({ Metrics }) => {
      const metrics = new Metrics(this.store, this.clock);
      for (const { path, code, n } of this.requests.values()) metrics.recordRequest(path, code, n);
      for (const report of this.attempts) metrics.recordAttempt(report);
      for (const { series, path, label, n } of this.webhookCounts.values())
        metrics.recordWebhook(series, path, label, n);
      this.requests.clear();
      this.webhookCounts.clear();
      this.attempts = [];
      this.metrics = metrics;
      return metrics;
    });
    // A failure (a broken install) is not remembered: the next scrape tries again.
    this.loading.catch(() => {
      this.loading = null;
    });
    return this.loading;
  }
}
