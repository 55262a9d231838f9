/**
 * The crash test (SPEC §6.5, §6.6, §11): a workload of jobs with fan-out runs while the daemon
 * is killed with SIGKILL at random moments and restarted, many times. Then it asserts that
 * nothing accepted was lost: every job ends succeeded or dead with a reason, every event's
 * downstream jobs exist, every succeeded job's side effect happened at least once, and SQLite's
 * integrity check passes. `npm test` runs a quick variant; `npm run crash` and `npm run chaos`
 * the long one.
 *
 * Webhooks arrive during the kills too (`webhooksPerSecond`): a sender posts signed deliveries
 * to an endpoint whose plugin fans out, and like a real sender retries with the same delivery
 * id (the endpoint's dedupe header) whenever it got no answer or a 503. Each answer is judged:
 * a 202's job must exist and end succeeded or dead with a reason; a 200's duplicate_of must
 * exist; a delivery answered 202 on its only attempt has exactly one job; a delivery never
 * has more jobs than attempts; no webhook job exists that no delivery explains.
 */
import { createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../../src/core/clock.js";
import { type Audit, openStore, type Store } from "../../src/store/index.js";
import { DaemonProcess } from "../helpers/daemon.js";
import { fixturePluginsDir } from "../helpers/paths.js";
import { httpRequest, pause, seeded } from "./util.js";

export interface CrashTestOptions {
  rounds: number;
  rootJobs: number;
  seed: number;
  maxKillDelayMs: number;
  /** Signed webhook deliveries started per second while the rounds run; 0 sends none. */
  webhooksPerSecond?: number;
  /** Deliveries in flight at most (each retried until answered). Default 4. */
  webhookConcurrency?: number;
  log?: (line: string) => void;
}

export interface WebhookReport {
  /** Deliveries started (each has its own delivery id). */
  deliveries: number;
  /** HTTP attempts over all deliveries (retries included). */
  attempts: number;
  /** Deliveries whose final answer was 202 {job_id}. */
  accepted: number;
  /** Deliveries whose final answer was 200 {duplicate_of} (a retry after the first job succeeded). */
  duplicateAnswers: number;
  /** Deliveries that needed more than one attempt. */
  retried: number;
  /** Attempts that got no answer: refused, reset, hung up. */
  connectionErrors: number;
  /** The same, by error code. */
  connectionErrorsByCode: Record<string, number>;
  /** Attempts answered 503 (retryable refusal). */
  refused503: number;
  /** Deliveries with a 2xx answer whose job is missing: must be 0. */
  lost: number;
  /** Deliveries never answered 2xx within their deadline: must be 0. */
  unanswered: number;
  /** Webhook jobs in the database (one per delivery, plus the extra ones below). */
  jobs: number;
  /** Deliveries with more than one job: a retry after an unanswered attempt that had committed. */
  deliveriesWithExtraJobs: number;
}

export interface CrashTestReport {
  dir: string;
  seed: number;
  kills: number;
  /** Kills that landed just after a webhook request was sent, before its answer. */
  killsMidRequest: number;
  jobs: number;
  succeeded: number;
  dead: number;
  effects: number;
  duplicateEffects: number;
  recoveredOrphans: number;
  webhooks: WebhookReport;
  problems: string[];
}

const WEBHOOK_SECRET = "crash-test webhook secret";
const WEBHOOK_PATH = "/hook/fan";
/** How long one delivery keeps retrying: longer than any restart between two rounds. */
const DELIVERY_DEADLINE_MS = 60_000;
const MAX_ATTEMPTS_PER_DELIVERY = 200;

export async function runCrashTest(opts: CrashTestOptions): Promise<CrashTestReport> {
  const random = seeded(opts.seed);
  const log = opts.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), "postern-crash-"));
  const effectsFile = join(dir, "effects.csv");
  writeFileSync(effectsFile, "");
  const configFile = join(dir, "postern.yaml");
  writeFileSync(
    configFile,
    `service: { state_dir: ./data, shutdown_grace: 2s, log_level: info }
plugins_dir: ${fixturePluginsDir}
webhooks:
  listen: "127.0.0.1:0"
  endpoints:
    - path: ${WEBHOOK_PATH}
      plugin: scripted
      secret: ${JSON.stringify(WEBHOOK_SECRET)}
      signature_header: X-Signature
      dedupe_header: X-Delivery
plugins:
  scripted:
    config: { log_file: ${effectsFile} }
    retry: { max_attempts: 8, backoff_base: 50ms }
  scripted-b:
    config: { log_file: ${effectsFile} }
    retry: { max_attempts: 8, backoff_base: 50ms }
routes:
  - { from: scripted, event_type: fan, to: scripted-b }
  - { from: scripted, event_type: fan, to: scripted }
`,
  );

  const sender = new WebhookSender(opts.seed, seeded(opts.seed ^ 0x5eed));
  let kills = 0;
  let killsMidRequest = 0;
  let recoveredOrphans = 0;
  let store: Store | null = null;
  const perRound = Math.ceil(opts.rootJobs / opts.rounds);
  let enqueued = 0;
  for (let round = 0; round < opts.rounds; round++) {
    const daemon = await DaemonProcess.start(configFile);
    sender.setPort(await listeningPort(daemon));
    if (round === 0 && (opts.webhooksPerSecond ?? 0) > 0) {
      sender.start(opts.webhooksPerSecond as number, opts.webhookConcurrency ?? 4);
    }
    store ??= openStore(join(dir, "data"), { clock: systemClock });
    for (let i = 0; i < perRound && enqueued < opts.rootJobs; i++, enqueued++) {
      const withKey = random() < 0.3;
      store.enqueueJob(
        {
          plugin: "scripted",
          command: "handle",
          submittedBy: "cli",
          maxAttempts: 8,
          payload: {
            event_id: `root-${enqueued}`,
            type: "work",
            source: "crash-test",
            timestamp: new Date().toISOString(),
            payload: {
              script: {
                emit: [
                  {
                    type: "fan",
                    payload: { n: enqueued },
                    dedupe_key: withKey ? `k-${enqueued}` : undefined,
                  },
                ],
              },
            },
          },
        },
        { dedupeTtlMs: 86_400_000 },
      );
    }
    const delay = 30 + Math.floor(random() * opts.maxKillDelayMs);
    await pause(delay);
    // Every other kill, on average, lands while a webhook request is in flight: between its
    // bytes reaching the daemon and its answer lie the read, the HMAC and the commit, the
    // window where an unanswered delivery may or may not have been queued.
    let midRequest = false;
    if (sender.running && random() < 0.5) {
      midRequest = await sender.nextAttemptSent(2000);
      // 0-10 ms: some kills land before the commit, some after it and before the answer.
      if (midRequest) await pause(Math.floor(random() * 11));
    }
    daemon.child.kill("SIGKILL");
    // New attempts wait for the next daemon; those in flight see the kill as a reset.
    sender.setPort(null);
    await daemon.exited;
    kills += 1;
    if (midRequest) killsMidRequest += 1;
    recoveredOrphans += daemon.lines.filter((l) => /orphaned by a core restart/.test(l.message)).length;
    log(
      `round ${round + 1}/${opts.rounds}: killed after ${delay} ms${midRequest ? " + a webhook request" : ""} (${enqueued} roots enqueued, ${sender.deliveries.length} webhooks sent)`,
    );
  }

  const final = await DaemonProcess.start(configFile);
  recoveredOrphans += final.lines.filter((l) => /orphaned by a core restart/.test(l.message)).length;
  sender.setPort(await listeningPort(final));
  await sender.finish();
  log(`all ${sender.deliveries.length} webhook deliveries answered or given up; draining the queue`);
  store ??= openStore(join(dir, "data"), { clock: systemClock });
  try {
    // Generous: on a loaded 2-core machine the last daemon drains some 2,000 jobs of a node
    // fixture at about 10 a second; the test is about what is lost, not how fast.
    await waitUntilDrained(store, 600_000);
  } catch (e) {
    // What the last daemon did is the only clue to why it stopped draining: keep its log.
    const logFile = join(dir, "final-daemon.log");
    writeFileSync(logFile, final.lines.map((l) => JSON.stringify(l)).join("\n"));
    await final.stop("SIGKILL");
    throw new Error(`${(e as Error).message}; the last daemon's log is in ${logFile}`);
  }
  await final.stop();
  const audit = store.audit();
  const webhookJobs = new Map<string, string[]>();
  for (const job of audit.jobs) {
    const full = store.getJob(job.id);
    if (full?.submitted_by !== "webhook") continue;
    const key = full.dedupe_key ?? "(no dedupe key)";
    webhookJobs.set(key, [...(webhookJobs.get(key) ?? []), job.id]);
  }
  store.close();
  const judged = judge(audit, effectsFile);
  const webhooks = judgeWebhooks(sender.deliveries, webhookJobs, new Set(audit.jobs.map((j) => j.id)));
  return {
    ...judged,
    problems: [...judged.problems, ...webhooks.problems],
    webhooks: webhooks.report,
    dir,
    seed: opts.seed,
    kills,
    killsMidRequest,
    recoveredOrphans,
  };
}

async function listeningPort(daemon: DaemonProcess): Promise<number> {
  const line = await daemon.waitFor((l) => /^listening on http:/.test(l.message));
  return line.port as number;
}

interface Attempt {
  status: number | null;
  error?: string;
  jobId?: string;
  duplicateOf?: string;
}

interface Delivery {
  id: string;
  attempts: Attempt[];
  /** The 2xx answer that ended the delivery, or null if it never came. */
  final: { status: 202; jobId: string } | { status: 200; duplicateOf: string } | null;
  /** An answer no sender should ever get here (a 4xx, a 500, a 2xx without its id). */
  wrong: string | null;
}

/**
 * Posts signed deliveries at a steady pace and retries each, with the same delivery id, until
 * it gets an answer: what GitHub and most senders do. While the daemon is down (port null) new
 * attempts wait for the next one to start instead of probing a port another process may
 * have taken.
 */
class WebhookSender {
  readonly deliveries: Delivery[] = [];
  private port: number | null = null;
  private portWaiters: (() => void)[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private pacing: Promise<void> | null = null;
  private stopped = false;
  private sentWaiters: (() => void)[] = [];

  constructor(
    private readonly seed: number,
    private readonly random: () => number,
  ) {}

  setPort(port: number | null): void {
    this.port = port;
    if (port === null) return;
    const waiters = this.portWaiters;
    this.portWaiters = [];
    for (const wake of waiters) wake();
  }

  get running(): boolean {
    return this.pacing !== null && !this.stopped;
  }

  /** Resolves true as soon as the next attempt's request has been sent, false after `timeoutMs`. */
  nextAttemptSent(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sentWaiters = this.sentWaiters.filter((w) => w !== wake);
        resolve(false);
      }, timeoutMs);
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.sentWaiters.push(wake);
    });
  }

  start(perSecond: number, concurrency: number): void {
    const interval = 1000 / perSecond;
    this.pacing = (async () => {
      while (!this.stopped) {
        if (this.inFlight.size < concurrency) {
          const delivery: Delivery = {
            id: `d-${this.seed}-${this.deliveries.length}`,
            attempts: [],
            final: null,
            wrong: null,
          };
          this.deliveries.push(delivery);
          const p = this.deliver(delivery, this.deliveries.length - 1).finally(() => this.inFlight.delete(p));
          this.inFlight.add(p);
        }
        await pause(interval * (0.5 + this.random()));
      }
    })();
  }

  /** Stops starting deliveries and waits for those in flight (each bounded by its deadline). */
  async finish(): Promise<void> {
    this.stopped = true;
    await this.pacing;
    await Promise.all([...this.inFlight]);
  }

  private async waitForPort(deadline: number): Promise<number | null> {
    while (this.port === null) {
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.portWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.port;
  }

  private async deliver(d: Delivery, n: number): Promise<void> {
    const body = JSON.stringify({ delivery: d.id, script: { emit: [{ type: "fan", payload: { w: n } }] } });
    const headers = {
      "content-type": "application/json",
      "x-delivery": d.id,
      "x-signature": `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(body).digest("hex")}`,
    };
    const deadline = Date.now() + DELIVERY_DEADLINE_MS;
    while (d.attempts.length < MAX_ATTEMPTS_PER_DELIVERY && Date.now() < deadline) {
      const port = await this.waitForPort(deadline);
      if (port === null) return;
      const r = await httpRequest(port, {
        path: WEBHOOK_PATH,
        body,
        headers,
        timeoutMs: 10_000,
        onSent: () => {
          const waiters = this.sentWaiters;
          this.sentWaiters = [];
          for (const wake of waiters) wake();
        },
      });
      if (r.status === null) {
        d.attempts.push({ status: null, error: r.error });
        await pause(10 + this.random() * 40);
        continue;
      }
      const attempt: Attempt = { status: r.status };
      d.attempts.push(attempt);
      if (r.status === 503) {
        await pause(50 + this.random() * 100);
        continue;
      }
      let json: { job_id?: unknown; duplicate_of?: unknown } = {};
      try {
        json = JSON.parse(r.body) as typeof json;
      } catch {
        // judged below: a 2xx must carry its id
      }
      if (r.status === 202 && typeof json.job_id === "string") {
        attempt.jobId = json.job_id;
        d.final = { status: 202, jobId: json.job_id };
      } else if (r.status === 200 && typeof json.duplicate_of === "string") {
        attempt.duplicateOf = json.duplicate_of;
        d.final = { status: 200, duplicateOf: json.duplicate_of };
      } else {
        d.wrong = `answered ${r.status} ${r.body.slice(0, 200)}`;
      }
      return;
    }
  }
}

function judgeWebhooks(
  deliveries: readonly Delivery[],
  jobsByKey: ReadonlyMap<string, string[]>,
  allJobs: ReadonlySet<string>,
): { report: WebhookReport; problems: string[] } {
  const problems: string[] = [];
  const keyOf = (d: Delivery) => `webhook:${WEBHOOK_PATH}:${d.id}`;
  const known = new Set(deliveries.map(keyOf));
  let lost = 0;
  let unanswered = 0;
  let deliveriesWithExtraJobs = 0;
  for (const d of deliveries) {
    const jobs = jobsByKey.get(keyOf(d)) ?? [];
    if (d.wrong !== null) problems.push(`webhook delivery ${d.id} ${d.wrong}`);
    if (d.final === null && d.wrong === null) {
      unanswered += 1;
      problems.push(
        `webhook delivery ${d.id} got no 2xx in ${d.attempts.length} attempts (last: ${describe(d.attempts.at(-1))})`,
      );
    }
    if (d.final?.status === 202 && !jobs.includes(d.final.jobId)) {
      lost += 1;
      problems.push(
        `webhook delivery ${d.id} was accepted as job ${d.final.jobId}, which is not in the database (lost)`,
      );
    }
    if (d.final?.status === 200 && !(jobsByKey.get(keyOf(d)) ?? []).includes(d.final.duplicateOf)) {
      lost += 1;
      problems.push(
        `webhook delivery ${d.id} was answered duplicate_of ${d.final.duplicateOf}, which is not a job of that delivery${allJobs.has(d.final.duplicateOf) ? "" : " (not in the database)"}`,
      );
    }
    if (jobs.length > d.attempts.length) {
      problems.push(`webhook delivery ${d.id} has ${jobs.length} jobs from ${d.attempts.length} attempts`);
    }
    if (d.attempts.length === 1 && d.final?.status === 202 && jobs.length !== 1) {
      problems.push(`webhook delivery ${d.id} was answered on its only attempt but has ${jobs.length} jobs`);
    }
    if (jobs.length > 1) deliveriesWithExtraJobs += 1;
  }
  let jobCount = 0;
  for (const [key, ids] of jobsByKey) {
    jobCount += ids.length;
    if (!known.has(key)) problems.push(`webhook jobs ${ids.join(", ")} (key ${key}) match no delivery sent`);
  }
  const attempts = deliveries.flatMap((d) => d.attempts);
  return {
    problems,
    report: {
      deliveries: deliveries.length,
      attempts: attempts.length,
      accepted: deliveries.filter((d) => d.final?.status === 202).length,
      duplicateAnswers: deliveries.filter((d) => d.final?.status === 200).length,
      retried: deliveries.filter((d) => d.attempts.length > 1).length,
      connectionErrors: attempts.filter((a) => a.status === null).length,
      connectionErrorsByCode: countBy(attempts.filter((a) => a.status === null).map((a) => a.error ?? "?")),
      refused503: attempts.filter((a) => a.status === 503).length,
      lost,
      unanswered,
      jobs: jobCount,
      deliveriesWithExtraJobs,
    },
  };
}

function countBy(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

function describe(a: Attempt | undefined): string {
  if (a === undefined) return "none";
  return a.status === null ? (a.error ?? "no answer") : String(a.status);
}

async function waitUntilDrained(store: Store, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // The harness is another process, like the CLI: it can only look at the database.
  while (store.queueStats(Date.now()).queue_depth > 0 || store.listQueue().length > 0) {
    if (Date.now() > deadline) throw new Error(`queue not drained within ${timeoutMs} ms`);
    await pause(100);
  }
}

function judge(
  audit: Audit,
  effectsFile: string,
): Omit<CrashTestReport, "dir" | "seed" | "kills" | "killsMidRequest" | "recoveredOrphans" | "webhooks"> {
  const problems: string[] = [];
  if (audit.integrity !== "ok") problems.push(`integrity_check: ${audit.integrity}`);
  const jobs = new Map(audit.jobs.map((j) => [j.id, j]));
  const effectLines = readFileSync(effectsFile, "utf8").split("\n").filter(Boolean);
  const effectsByJob = new Map<string, number>();
  for (const line of effectLines) {
    const jobId = line.split(",")[1] as string;
    effectsByJob.set(jobId, (effectsByJob.get(jobId) ?? 0) + 1);
  }
  let succeeded = 0;
  let dead = 0;
  for (const job of audit.jobs) {
    if (job.status === "succeeded") {
      succeeded += 1;
      if (!effectsByJob.has(job.id))
        problems.push(`job ${job.id} succeeded but its side effect never happened`);
    } else if (job.status === "dead") {
      dead += 1;
      if (!job.last_error) problems.push(`job ${job.id} is dead without a reason`);
    } else {
      problems.push(`job ${job.id} ended ${job.status}, not succeeded or dead`);
    }
  }
  for (const event of audit.events) {
    const emitter = jobs.get(event.job_id);
    if (emitter?.status !== "succeeded")
      problems.push(`event ${event.event_id} recorded for a job that did not succeed`);
    if (event.type !== "fan") continue;
    if (event.routes.length !== 2)
      problems.push(`event ${event.event_id} has ${event.routes.length} routes, expected 2`);
    for (const route of event.routes) {
      const target = route.job_id ?? route.duplicate_of;
      if (!target || !jobs.has(target))
        problems.push(`event ${event.event_id}: downstream job for ${route.to} missing`);
    }
  }
  const duplicateEffects = [...effectsByJob.values()].reduce((n, c) => n + c - 1, 0);
  return {
    jobs: audit.jobs.length,
    succeeded,
    dead,
    effects: effectLines.length,
    duplicateEffects,
    problems,
  };
}
