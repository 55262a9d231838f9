/** `postern start`: run the daemon in the foreground until SIGTERM/SIGINT. */
import type { Command } from "commander";
import { PosternError } from "../../core/errors.js";
import { Daemon } from "../../daemon/daemon.js";
import { createLogger } from "../../log/logger.js";
import { configPath } from "../config-file.js";

interface StartOptions {
  logFormat?: string;
}

export function registerStart(program: Command): void {
  program
    .command("start")
    .description("run the daemon in the foreground (logs: JSON lines on stdout)")
    .option("--log-format <format>", "json (default) or pretty (for a person at a terminal)", "json")
    .action(async (opts: StartOptions, cmd: Command) => {
      await runStart({ config: cmd.optsWithGlobals().config, logFormat: opts.logFormat ?? "json" });
    });
}

/** The daemon in the foreground; from commander's action or straight from main (plainStartArgs). */
export async function runStart(args: { config?: string; logFormat: string }): Promise<void> {
  const format = args.logFormat;
  if (format !== "json" && format !== "pretty") {
    throw new PosternError("usage", `--log-format must be json or pretty, not "${format}"`, {
      exitCode: 2,
    });
  }
  const file = configPath({ config: args.config });
  const killGraceMs = numberFromEnv("POSTERN_KILL_GRACE_MS");
  const daemon = new Daemon({
    configFile: file,
    env: process.env,
    createLog: (level) => createLogger({ level, format }),
    runLimits: killGraceMs === null ? {} : { killGraceMs },
    lockRecheckMs: numberFromEnv("POSTERN_LOCK_RECHECK_MS") ?? undefined,
    externalCheckIntervalMs: numberFromEnv("POSTERN_EXTERNAL_CHECK_MS") ?? undefined,
  });
  await runUntilSignalled(daemon);
}

/**
 * Test and tuning knobs: POSTERN_KILL_GRACE_MS, the SIGTERM → SIGKILL grace of a timed-out
 * plugin (default 5 s); POSTERN_LOCK_RECHECK_MS, how often the daemon looks at its lock file;
 * POSTERN_EXTERNAL_CHECK_MS, how often it looks for work another process committed (default
 * 500 ms; a test sets it far out to prove that in-process work never waits for it).
 */
function numberFromEnv(name: string): number | null {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return null;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new PosternError("usage", `${name} must be a whole number of milliseconds`);
  return n;
}

/**
 * Signal handlers go in before the daemon starts, so a SIGTERM that arrives while it starts
 * (or right after its "started" line) still gets the graceful, two-stage shutdown.
 */
async function runUntilSignalled(daemon: Daemon): Promise<void> {
  let signals = 0;
  let stopRequested: (signal: NodeJS.Signals) => void = () => {};
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
    stopRequested = resolve;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      process.stderr.write(
        `postern: second ${signal}: exiting now; the next start recovers the job in flight\n`,
      );
      process.exit(1);
    }
    stopRequested(signal);
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  // Nothing else may hold the event loop while idle (timers are unref'd): this does.
  const keepAlive = setInterval(() => {}, 2 ** 30);
  try {
    await daemon.start();
    process.removeAllListeners("SIGHUP");
    process.on("SIGHUP", () => daemon.requestReload());
    const early = globalThis as { __posternEarlySighup?: boolean };
    if (early.__posternEarlySighup) daemon.requestReload();
    await daemon.stop(await stopSignal);
  } finally {
    clearInterval(keepAlive);
  }
}
