/**
 * Shared setup for the operator command tests: a config over the fixture plugins, and a way to
 * put finished jobs into the database through the real store and completion planning, the way
 * the dispatcher records them (no daemon needed).
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after } from "node:test";
import { v7 as uuidv7 } from "uuid";
import { systemClock } from "../../src/core/clock.js";
import { planCompletion } from "../../src/core/completion.js";
import type { Outcome } from "../../src/core/outcome.js";
import type { RouteRule } from "../../src/core/routing.js";
import { openStore, type Store } from "../../src/store/index.js";
import { runRecord } from "../helpers/attempts.js";
import { tempConfig } from "../helpers/cli.js";
import { fixturePluginsDir } from "../helpers/paths.js";

export const DAY = 86_400_000;

export interface Setup {
  /** The config file: pass as `--config`. */
  file: string;
  stateDir: string;
}

/** `ok` and `exit-78` enabled, `error-status` disabled, `a`-style extras appended as YAML. */
export function setup(extra = ""): Setup {
  const { dir, file } = tempConfig(
    [
      `plugins_dir: ${fixturePluginsDir}`,
      "service: { state_dir: ./data }",
      'webhooks: { listen: "127.0.0.1:0" }',
      "plugins:",
      "  ok: { retry: { max_attempts: 3 } }",
      "  exit-78: {}",
      "  error-status: { enabled: false }",
      extra,
    ].join("\n"),
  );
  after(() => rmSync(dir, { recursive: true, force: true }));
  return { file, stateDir: join(dir, "data") };
}

export function withStore<T>(s: Setup, fn: (store: Store) => T): T {
  const store = openStore(s.stateDir, { clock: systemClock });
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

export { failed, ok } from "../helpers/attempts.js";

export interface FinishOptions {
  stderr?: string;
  exitCode?: number;
  routes?: RouteRule[];
  enabled?: string[];
}

/** Runs the oldest ready job's attempt to `outcome` and commits it, as the dispatcher would. */
export function finishNext(s: Setup, outcome: Outcome, opts: FinishOptions = {}): string {
  return withStore(s, (store) => {
    const job = store.claimNextReadyJob(Date.now());
    if (job === null) throw new Error("no ready job to finish");
    const now = Date.now();
    const plan = planCompletion({
      job: { ...job, route_depth: job.internal.route_depth },
      outcome,
      run: runRecord(now, {
        exitCode: opts.exitCode ?? (outcome.status === "succeeded" ? 0 : 1),
        durationMs: 12,
        stderr: opts.stderr ?? "",
      }),
      state: store.getState(job.plugin),
      routes: opts.routes ?? [],
      enabledPlugins: new Set(opts.enabled ?? ["ok", "exit-78"]),
      maxAttemptsFor: () => 4,
      maxRouteDepth: 8,
      backoffBaseMs: 30_000,
      random: { next: () => 0 },
      nowMs: now,
      newId: () => uuidv7(),
    });
    store.commitAttempt(job, plan, { dedupeTtlMs: DAY });
    return job.id;
  });
}

/** Enqueues a job directly (as the scheduler or a route would), returning its id. */
export function enqueue(
  s: Setup,
  plugin: string,
  over: { command?: string; dedupeKey?: string; payload?: unknown } = {},
): string {
  return withStore(s, (store) => {
    const r = store.enqueueJob(
      {
        plugin,
        command: over.command ?? "poll",
        payload: over.payload ?? null,
        submittedBy: "scheduler",
        dedupeKey: over.dedupeKey ?? null,
        maxAttempts: 4,
      },
      { dedupeTtlMs: DAY },
    );
    if (!("job" in r)) throw new Error(`unexpected dedupe hit ${r.duplicateOf}`);
    return r.job.id;
  });
}
