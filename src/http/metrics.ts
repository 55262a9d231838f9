/**
 * /metrics (docs/webhooks.md) in its own prom-client Registry, never the global one, so nothing else
 * in the process can add to or collide with Postern's series. Queue, dedupe and breaker series
 * are read from the store at scrape time: the database is the truth, and a restart does not
 * lose them. Attempt and request counters live in memory since the process started.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { AttemptReport } from "../contracts/attempt-feed.js";
import type { Clock } from "../core/clock.js";
import type { Store } from "../store/index.js";

// From a no-op plugin (a few ms) to the longest default timeout (handle: 120 s).
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** The two per-endpoint webhook counters of docs/webhooks.md: refusals by reason, matches by secret index. */
export type WebhookSeries = "rejected" | "secret";

export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Counter<"path" | "code">;
  private readonly attempts: Counter<"plugin" | "command" | "outcome">;
  private readonly jobsFinished: Counter<"plugin" | "command" | "outcome">;
  private readonly durations: Histogram<"plugin" | "command">;
  private readonly queueDepth: Gauge;
  private readonly oldestReady: Gauge;
  private readonly dedupeHits: Counter<"plugin">;
  private readonly circuitsOpen: Gauge;
  private readonly circuitOpen: Gauge<"plugin" | "command">;
  private readonly databaseUp: Gauge;
  private readonly commitFailures: Counter;
  private readonly paused: Gauge<"plugin" | "command">;
  private readonly rejected: Counter<"path" | "reason">;
  private readonly secretMatched: Counter<"path" | "index">;
  private readonly systemEvents: Counter<"type">;
  private readonly schedulerSkips: Counter<"plugin" | "reason">;
  private readonly heartbeatMissed: Gauge<"plugin" | "kind">;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: "postern_webhook_requests_total",
      help: "HTTP requests answered by the listener, by path (configured endpoints, /healthz, /metrics, else other) and status code",
      labelNames: ["path", "code"],
      registers,
    });
    this.attempts = new Counter({
      name: "postern_attempts_total",
      help: "Finished attempts by plugin, command and outcome (succeeded, failed, timed_out)",
      labelNames: ["plugin", "command", "outcome"],
      registers,
    });
    this.jobsFinished = new Counter({
      name: "postern_jobs_total",
      help: "Jobs that reached a terminal status, by plugin, command and outcome (succeeded, dead)",
      labelNames: ["plugin", "command", "outcome"],
      registers,
    });
    this.durations = new Histogram({
      name: "postern_attempt_duration_seconds",
      help: "Wall time of plugin attempts, spawn to exit",
      labelNames: ["plugin", "command"],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.queueDepth = new Gauge({
      name: "postern_queue_depth",
      help: "Queued jobs, including those waiting for a retry time (running not included)",
      registers,
    });
    this.oldestReady = new Gauge({
      name: "postern_oldest_ready_job_age_seconds",
      help: "How long the longest-waiting ready job has waited; 0 when none is ready",
      registers,
    });
    this.dedupeHits = new Counter({
      name: "postern_dedupe_hits_total",
      help: "Jobs not enqueued because the same dedupe key already succeeded, per plugin (persisted)",
      labelNames: ["plugin"],
      registers,
    });
    this.circuitsOpen = new Gauge({
      name: "postern_circuits_open",
      help: "Circuit breakers (plugin, command) that are open or half-open",
      registers,
    });
    this.circuitOpen = new Gauge({
      name: "postern_circuit_open",
      help: "1 when the circuit of (plugin, command) is open or half-open, else 0",
      labelNames: ["plugin", "command"],
      registers,
    });
    this.commitFailures = new Counter({
      name: "postern_commit_failures_total",
      help: "Write transactions SQLite refused since the start (disk full, I/O error, busy past the timeout)",
      registers,
    });
    this.databaseUp = new Gauge({
      name: "postern_database_readable",
      help: "1 when the last scrape could read the database, else 0 (store series then keep their last values)",
      registers,
    });
    this.paused = new Gauge({
      name: "postern_paused",
      help: '1 for each paused plugin (command "*") or paused command (postern pause); its queued jobs wait',
      labelNames: ["plugin", "command"],
      registers,
    });
    this.rejected = new Counter({
      name: "postern_webhook_rejected_total",
      help: "Webhook deliveries refused, by endpoint path and reason (missing_header, malformed_header, too_many_signatures, bad_signature, bad_timestamp, stale_timestamp, future_timestamp, too_large, body_timeout, bad_json)",
      labelNames: ["path", "reason"],
      registers,
    });
    this.secretMatched = new Counter({
      name: "postern_webhook_secret_matched_total",
      help: "Verified webhook deliveries by endpoint path and the index of the configured secret that matched (0 = first): when an old secret's count stops growing, it can be removed",
      labelNames: ["path", "index"],
      registers,
    });
    // docs/operations.md. Read from the database like the dedupe hits: counts of the rows still kept
    // (system events and the why-ledger are pruned with the job log).
    this.systemEvents = new Counter({
      name: "postern_system_events_total",
      help: "System events sent (postern.job.dead, postern.circuit.opened, ...), of those within job_log_retention",
      labelNames: ["type"],
      registers,
    });
    this.schedulerSkips = new Counter({
      name: "postern_scheduler_skips_total",
      help: "Scheduler ticks that found a poll due and did not enqueue it, by plugin and reason (the why-ledger)",
      labelNames: ["plugin", "reason"],
      registers,
    });
    this.heartbeatMissed = new Gauge({
      name: "postern_heartbeat_missed",
      help: "1 while the plugin's heartbeat (expect: success_within / event_within) is missed, else 0",
      labelNames: ["plugin", "kind"],
      registers,
    });
    processMetrics(this.registry);
  }

  recordWebhook(series: WebhookSeries, path: string, label: string, count = 1): void {
    if (series === "rejected") this.rejected.inc({ path, reason: label }, count);
    else this.secretMatched.inc({ path, index: label }, count);
  }

  recordRequest(path: string, code: number, count = 1): void {
    this.requests.inc({ path, code: String(code) }, count);
  }

  recordAttempt(report: AttemptReport): void {
    const labels = { plugin: report.plugin, command: report.command };
    this.attempts.inc({ ...labels, outcome: report.outcome });
    if (report.jobStatus === "succeeded" || report.jobStatus === "dead") {
      this.jobsFinished.inc({ ...labels, outcome: report.jobStatus });
    }
    if (report.durationMs !== null) this.durations.observe(labels, report.durationMs / 1000);
  }

  /** The Prometheus text; a database that cannot be read is reported, not thrown. */
  async render(onStoreError: (e: unknown) => void): Promise<string> {
    // Counted by the store as it happens: no database read needed.
    this.commitFailures.reset();
    this.commitFailures.inc(this.store.commitHealth().failures_total);
    try {
      this.readStore();
      this.databaseUp.set(1);
    } catch (e) {
      this.databaseUp.set(0);
      onStoreError(e);
    }
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private readStore(): void {
    const stats = this.store.queueStats(this.clock.now());
    const hits = this.store.allDedupeHits();
    const breakers = this.store.breakers();
    this.queueDepth.set(stats.queue_depth);
    this.oldestReady.set(stats.oldest_ready_age_seconds ?? 0);
    this.dedupeHits.reset();
    for (const [plugin, n] of Object.entries(hits)) this.dedupeHits.inc({ plugin }, n);
    this.circuitOpen.reset();
    let open = 0;
    for (const b of breakers) {
      const isOpen = b.state === "open" || b.state === "half_open";
      if (isOpen) open += 1;
      this.circuitOpen.set({ plugin: b.plugin, command: b.command }, isOpen ? 1 : 0);
    }
    this.circuitsOpen.set(open);
    this.paused.reset();
    for (const p of this.store.pauses()) this.paused.set({ plugin: p.plugin, command: p.command ?? "*" }, 1);
    this.systemEvents.reset();
    for (const [type, n] of this.store.systemEventCounts()) this.systemEvents.inc({ type }, n);
    this.schedulerSkips.reset();
    for (const s of this.store.whyLedgerCounts()) {
      this.schedulerSkips.inc({ plugin: s.plugin, reason: s.kind }, s.n);
    }
    this.heartbeatMissed.reset();
    for (const h of this.store.heartbeats()) {
      this.heartbeatMissed.set({ plugin: h.plugin, kind: h.kind }, h.missed_at === null ? 0 : 1);
    }
  }
}

/**
 * Memory and CPU under the names prom-client's defaults use, so stock dashboards work. Not
 * collectDefaultMetrics(): its event-loop-delay monitor samples every 10 ms, which would wake
 * an idle daemon 100 times a second (docs/performance.md: idle CPU ≈ 0). These are read only at scrape.
 */
function processMetrics(registry: Registry): void {
  const registers = [registry];
  new Gauge({
    name: "process_resident_memory_bytes",
    help: "Resident memory size in bytes",
    registers,
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });
  new Gauge({
    name: "nodejs_heap_size_used_bytes",
    help: "V8 heap in use, in bytes",
    registers,
    collect() {
      this.set(process.memoryUsage().heapUsed);
    },
  });
  new Gauge({
    name: "nodejs_heap_size_total_bytes",
    help: "V8 heap allocated, in bytes",
    registers,
    collect() {
      this.set(process.memoryUsage().heapTotal);
    },
  });
  new Gauge({
    name: "nodejs_external_memory_bytes",
    help: "Memory of C++ objects bound to JavaScript (buffers, SQLite statements), in bytes",
    registers,
    collect() {
      this.set(process.memoryUsage().external);
    },
  });
  new Counter({
    name: "process_cpu_seconds_total",
    help: "User and system CPU time spent, in seconds",
    registers,
    collect() {
      const { user, system } = process.cpuUsage();
      this.reset();
      this.inc((user + system) / 1e6);
    },
  });
  const startSeconds = Math.round((performance.timeOrigin / 1000) * 1000) / 1000;
  new Gauge({
    name: "process_start_time_seconds",
    help: "Start time of the process since the Unix epoch, in seconds",
    registers,
    collect() {
      this.set(startSeconds);
    },
  });
}
