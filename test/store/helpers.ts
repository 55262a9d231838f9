import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after } from "node:test";
import { FakeClock, type Random, sequenceRandom } from "../../src/core/clock.js";
import { type CompletionInput, planCompletion } from "../../src/core/completion.js";
import type { Outcome } from "../../src/core/outcome.js";
import type { RouteRule } from "../../src/core/routing.js";
import type { AlertSettings } from "../../src/core/system-events.js";
import {
  type ClaimAhead,
  type ClaimedJob,
  type CommitResult,
  openStore,
  type Store,
} from "../../src/store/index.js";
import { runRecord } from "../helpers/attempts.js";

export const DAY = 86_400_000;
export const TTL = { dedupeTtlMs: DAY };

export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "postern-store-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface Fixture {
  dir: string;
  clock: FakeClock;
  store: Store;
}

export function fixture(): Fixture {
  const dir = tempDir();
  const clock = new FakeClock();
  const store = openStore(dir, { clock });
  after(() => store.close());
  return { dir, clock, store };
}

export function enqueue(store: Store, plugin: string, over: Record<string, unknown> = {}) {
  const r = store.enqueueJob(
    { plugin, command: "poll", payload: {}, submittedBy: "scheduler", maxAttempts: 4, ...over },
    TTL,
  );
  if (!("job" in r)) throw new Error(`unexpected dedupe hit: ${r.duplicateOf}`);
  return r.job;
}

export { failed, ok } from "../helpers/attempts.js";

export interface AttemptOptions {
  routes?: readonly RouteRule[];
  enabled?: string[];
  maxRouteDepth?: number;
  backoffBaseMs?: number;
  random?: Random;
  claimNext?: ClaimAhead;
  /** Failures in a row that open the circuit (the store's default when absent). */
  breakerThreshold?: number;
  /** System events on (SPEC §16); off when absent. */
  alerts?: AlertSettings;
}

/** What the dispatcher does after a plugin ran: plan with the core, commit with the store. */
export function finishAttempt(
  f: Fixture,
  job: ClaimedJob,
  outcome: Outcome,
  opts: AttemptOptions = {},
): CommitResult {
  const input: CompletionInput = {
    job: { ...job, route_depth: job.internal.route_depth },
    outcome,
    run: runRecord(f.clock.now(), { exitCode: outcome.status === "succeeded" ? 0 : 1 }),
    state: f.store.getState(job.plugin),
    routes: opts.routes ?? [],
    enabledPlugins: new Set(opts.enabled ?? ["a", "b", "c"]),
    maxAttemptsFor: () => 4,
    maxRouteDepth: opts.maxRouteDepth ?? 8,
    backoffBaseMs: opts.backoffBaseMs ?? 30_000,
    random: opts.random ?? sequenceRandom([0]),
    nowMs: f.clock.now(),
    newId: idGen(),
  };
  return f.store.commitAttempt(job, planCompletion(input), {
    ...TTL,
    claimNext: opts.claimNext ?? null,
    ...(opts.breakerThreshold === undefined ? {} : { breakerThreshold: opts.breakerThreshold }),
    alerts: opts.alerts ?? null,
  });
}

let ids = 0;
/** Unique, sortable test ids (the store does not care what ids look like). */
export function idGen(): () => string {
  return () => `t-${String(++ids).padStart(8, "0")}`;
}

/** Claims the next job, failing the test if there is none. */
export function claim(f: Fixture): ClaimedJob {
  const job = f.store.claimNextReadyJob(f.clock.now());
  if (job === null) throw new Error("expected a ready job");
  return job;
}
