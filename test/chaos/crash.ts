/**
 * The crash test (SPEC §6.5, §6.6, §11): a workload of jobs with fan-out runs while the daemon
 * is killed with SIGKILL at random moments and restarted, many times. Then it asserts that
 * nothing accepted was lost: every job ends succeeded or dead with a reason, every event's
 * downstream jobs exist, every succeeded job's side effect happened at least once, and SQLite's
 * integrity check passes. `npm test` runs a quick variant; `npm run crash` the long one.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../../src/core/clock.js";
import { type Audit, openStore, type Store } from "../../src/store/index.js";
import { DaemonProcess } from "../helpers/daemon.js";
import { fixturePluginsDir } from "../helpers/paths.js";

export interface CrashTestOptions {
  rounds: number;
  rootJobs: number;
  seed: number;
  maxKillDelayMs: number;
  log?: (line: string) => void;
}

export interface CrashTestReport {
  dir: string;
  kills: number;
  jobs: number;
  succeeded: number;
  dead: number;
  effects: number;
  duplicateEffects: number;
  recoveredOrphans: number;
  problems: string[];
}

/** mulberry32: a tiny seeded PRNG so a failing run can be replayed with its seed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
webhooks: { listen: "127.0.0.1:0" }
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

  let kills = 0;
  let recoveredOrphans = 0;
  let store: Store | null = null;
  const perRound = Math.ceil(opts.rootJobs / opts.rounds);
  let enqueued = 0;
  for (let round = 0; round < opts.rounds; round++) {
    const daemon = await DaemonProcess.start(configFile);
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
    await new Promise((r) => setTimeout(r, delay));
    daemon.child.kill("SIGKILL");
    await daemon.exited;
    kills += 1;
    recoveredOrphans += daemon.lines.filter((l) => /orphaned by a core restart/.test(l.message)).length;
    log(`round ${round + 1}/${opts.rounds}: killed after ${delay} ms (${enqueued} roots enqueued)`);
  }

  const final = await DaemonProcess.start(configFile);
  recoveredOrphans += final.lines.filter((l) => /orphaned by a core restart/.test(l.message)).length;
  store ??= openStore(join(dir, "data"), { clock: systemClock });
  await waitUntilDrained(store, 120_000);
  await final.stop();
  const audit = store.audit();
  store.close();
  return { ...judge(audit, effectsFile), dir, kills, recoveredOrphans };
}

async function waitUntilDrained(store: Store, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // The harness is another process, like the CLI: it can only look at the database.
  while (store.queueStats(Date.now()).queue_depth > 0 || store.listQueue().length > 0) {
    if (Date.now() > deadline) throw new Error(`queue not drained within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function judge(
  audit: Audit,
  effectsFile: string,
): Omit<CrashTestReport, "dir" | "kills" | "recoveredOrphans"> {
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
