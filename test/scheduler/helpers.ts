/** A scheduler on a real store with a fake clock: tick by hand, finish polls by hand. */
import { after } from "node:test";
import type { Config } from "../../src/config/types.js";
import type { Runtime } from "../../src/contracts/runtime.js";
import { FakeClock, type Random, sequenceRandom } from "../../src/core/clock.js";
import { planCompletion } from "../../src/core/completion.js";
import type { Outcome } from "../../src/core/outcome.js";
import { createLogger } from "../../src/log/logger.js";
import type { PluginCommand } from "../../src/plugins/types.js";
import {
  Scheduler,
  type SchedulerOptions,
  type ScheduleView,
  scheduleView,
} from "../../src/scheduler/index.js";
import {
  type ClaimedJob,
  type CommitResult,
  type EnqueueInput,
  openStore,
  type Store,
} from "../../src/store/index.js";
import { configOf } from "../config/helpers.js";
import { runRecord } from "../helpers/attempts.js";
import { idGen, TTL, tempDir } from "../store/helpers.js";

export { failed, ok } from "../store/helpers.js";

export interface LogRecord {
  level: string;
  message: string;
  [k: string]: unknown;
}

export interface Harness {
  clock: FakeClock;
  store: Store;
  config: Config;
  scheduler: Scheduler;
  submitted: EnqueueInput[];
  logs: LogRecord[];
  runtime: Runtime;
  /** Swap the config (a reload) and keep the same store. */
  reload(yaml: string): void;
  /** Claims the next job and commits `outcome` for it, as the dispatcher would. */
  finishNext(outcome: Outcome): { job: ClaimedJob; result: CommitResult };
  messages(re: RegExp): LogRecord[];
  /** The next run and its reason as status shows them, with the scheduler's own facts. */
  view(plugin: string): ScheduleView;
}

export function runtimeOf(config: Config, commands: Record<string, PluginCommand[]> = {}): Runtime {
  const registry = new Map(
    Object.keys(config.plugins).map((name) => [
      name,
      {
        name,
        dir: `/plugins/${name}`,
        entrypoint: `/plugins/${name}/run`,
        root: "/plugins",
        manifest: {
          name,
          version: "1.0.0",
          protocol: 1 as const,
          entrypoint: "run",
          description: null,
          commands: commands[name] ?? ["poll", "handle"],
          config_keys: { required: [], optional: [] },
        },
      },
    ]),
  );
  const enabledPlugins = new Set(
    Object.entries(config.plugins)
      .filter(([, p]) => p.enabled)
      .map(([n]) => n),
  );
  return { config, listings: [], registry, enabledPlugins };
}

export function harness(
  yaml: string,
  opts: {
    start?: number;
    random?: Random;
    commands?: Record<string, PluginCommand[]>;
    scheduler?: SchedulerOptions;
    dir?: string;
  } = {},
): Harness {
  const dir = opts.dir ?? tempDir();
  const clock = new FakeClock(opts.start ?? Date.UTC(2026, 1, 8, 12));
  const store = openStore(dir, { clock });
  after(() => store.close());
  const logs: LogRecord[] = [];
  const log = createLogger({
    level: "debug",
    destination: { write: (line: string) => logs.push(JSON.parse(line)) } as unknown as NodeJS.WritableStream,
  });
  const submitted: EnqueueInput[] = [];
  let runtime = runtimeOf(configOf(yaml), opts.commands);
  const scheduler = new Scheduler(
    {
      store,
      clock,
      random: opts.random ?? sequenceRandom([0.5]),
      log,
      runtime: () => runtime,
      submit: (input) => {
        submitted.push(input);
        return store.enqueueJob(input, TTL);
      },
      submitBatch: (inputs) => {
        submitted.push(...inputs);
        return store.enqueueJobs(inputs, TTL);
      },
      startedAt: clock.now(),
    },
    opts.scheduler,
  );
  const h: Harness = {
    clock,
    store,
    get config() {
      return runtime.config;
    },
    get runtime() {
      return runtime;
    },
    scheduler,
    submitted,
    logs,
    view(plugin) {
      const facts = scheduler.pluginFacts(runtime, plugin);
      return scheduleView({ store, config: runtime.config, plugin, facts, nowMs: clock.now() });
    },
    reload(text) {
      runtime = runtimeOf(configOf(text), opts.commands);
    },
    finishNext(outcome) {
      const job = store.claimNextReadyJob(clock.now());
      if (job === null) throw new Error("no ready job");
      const pc = runtime.config.plugins[job.plugin];
      const plan = planCompletion({
        job: { ...job, route_depth: job.internal.route_depth },
        outcome,
        run: runRecord(clock.now(), { exitCode: outcome.status === "succeeded" ? 0 : 1 }),
        state: store.getState(job.plugin),
        routes: [],
        enabledPlugins: new Set(),
        maxAttemptsFor: () => 1,
        maxRouteDepth: 8,
        backoffBaseMs: 1000,
        random: sequenceRandom([0]),
        nowMs: clock.now(),
        newId: idGen(),
      });
      const result = store.commitAttempt(job, plan, {
        ...TTL,
        breakerThreshold: pc?.circuit_breaker.threshold,
      });
      return { job, result };
    },
    messages(re) {
      return logs.filter((l) => re.test(l.message));
    },
  };
  return h;
}

/** A config with one scheduled plugin `p` (more YAML lines for p may follow). */
export function onePlugin(...pluginLines: string[]): string {
  return [
    "service:",
    "  tick_interval: 1m",
    "  timezone: UTC",
    "plugins:",
    "  p:",
    ...pluginLines.map((l) => `    ${l}`),
  ].join("\n");
}
