/**
 * The real daemon as a child process, for end-to-end tests. Tests wait on its log lines (JSON,
 * SPEC §12), never on guessed sleeps.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { postern } from "./paths.js";

export type LogLine = Record<string, unknown> & { message: string; level: string };

export class DaemonProcess {
  readonly lines: LogLine[] = [];
  readonly stderr: string[] = [];
  private waiters: { predicate: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on("line", (text) => {
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { level: "raw", message: text };
      }
      this.lines.push(line);
      this.waiters = this.waiters.filter((w) => {
        if (!w.predicate(line)) return true;
        w.resolve(line);
        return false;
      });
    });
    child.stderr!.setEncoding("utf8").on("data", (d: string) => this.stderr.push(d));
    this.exited = once(child, "exit").then(([code, signal]) => ({ code, signal }) as never);
  }

  /**
   * Starts `postern start` (this checkout's, or `opts.bin`) and resolves once it logged that it
   * started. `opts.extraStdio` opens more descriptors (3, 4, ...) in the daemon, as a careless
   * parent would leave them.
   */
  static async start(
    configFile: string,
    env: Record<string, string> = {},
    opts: { extraStdio?: ("pipe" | number)[]; bin?: string } = {},
  ): Promise<DaemonProcess> {
    const child = spawn(opts.bin ?? postern, ["start", "--config", configFile], {
      env: { ...process.env, POSTERN_KILL_GRACE_MS: "300", ...env },
      stdio: ["ignore", "pipe", "pipe", ...(opts.extraStdio ?? [])],
    });
    const daemon = new DaemonProcess(child);
    const started = daemon.waitFor((l) => / started \(pid /.test(l.message), 15_000);
    const failed = daemon.exited.then(({ code }) => {
      throw new Error(`daemon exited (${code}) before starting: ${daemon.stderr.join("")}`);
    });
    await Promise.race([started, failed]);
    return daemon;
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** Resolves with the first log line (already seen or future) matching the predicate. */
  waitFor(predicate: (l: LogLine) => boolean, timeoutMs = 15_000): Promise<LogLine> {
    const seen = this.lines.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(
            `no matching log line within ${timeoutMs} ms; last lines:\n${this.lines
              .slice(-10)
              .map((l) => JSON.stringify(l))
              .join("\n")}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push({
        predicate,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
    });
  }

  /** Waits until the job's attempt log says it reached this job status (succeeded | dead | queued). */
  waitForJob(jobId: string, status: "succeeded" | "dead" | "queued", timeoutMs = 15_000): Promise<LogLine> {
    return this.waitFor((l) => l.job_id === jobId && l.job_status === status, timeoutMs);
  }

  /** All attempt lines of a job, in order. */
  attempts(jobId: string): LogLine[] {
    return this.lines.filter((l) => l.job_id === jobId && typeof l.job_status === "string");
  }

  async stop(
    signal: NodeJS.Signals = "SIGTERM",
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}
