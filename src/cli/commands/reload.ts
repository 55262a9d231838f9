/**
 * `postern reload`: validate locally first, SIGHUP the daemon named in the lock file, wait for
 * the verdict it records in the database, print it; exit 0 applied, 1 rejected (docs/daemon.md).
 */
import type { Command } from "commander";
import { RELOAD_META_KEY, type ReloadVerdict } from "../../contracts/meta.js";
import { systemClock } from "../../core/clock.js";
import { formatProblem, PosternError } from "../../core/errors.js";
import { runningDaemonPid } from "../../instance/lock.js";
import { openStore } from "../../store/index.js";
import { configPath, requireConfig } from "../config-file.js";
import { markFailed, printJson, printLine, problemJson } from "../output.js";
import { collectConfigProblems } from "./config-check.js";

const VERDICT_TIMEOUT_MS = 60_000;

export function registerReload(program: Command): void {
  program
    .command("reload")
    .description("validate the config, tell the running daemon to reload it, and print its verdict")
    .option(
      "--json",
      "print the verdict as JSON: {ok, pid, message, errors: [{file, path, line, message}]} (pid null when the daemon was not asked)",
    )
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals();
      const problems = collectConfigProblems(configPath(globals));
      if (problems.length > 0 && opts.json) {
        markFailed();
        printJson({
          ok: false,
          pid: null,
          message: "the config is invalid; the daemon was not asked to reload",
          errors: problems.map(problemJson),
        });
        return;
      }
      if (problems.length > 0) {
        throw new PosternError(
          "config_invalid",
          "the config is invalid; the daemon was not asked to reload:",
          { problems },
        );
      }
      const config = requireConfig(globals);
      const pid = runningDaemonPid(config.service.state_dir);
      if (pid === null) {
        throw new PosternError(
          "not_running",
          `no daemon is running with state_dir ${config.service.state_dir}; start it with \`postern start\``,
        );
      }
      const store = openStore(config.service.state_dir, { clock: systemClock, readonly: true });
      try {
        const before = store.getMeta<ReloadVerdict>(RELOAD_META_KEY)?.seq ?? 0;
        process.kill(pid, "SIGHUP");
        const verdict = await waitForVerdict(() => store.getMeta<ReloadVerdict>(RELOAD_META_KEY), before);
        if (verdict === null) {
          throw new PosternError(
            "reload_timeout",
            `daemon ${pid} gave no verdict within ${VERDICT_TIMEOUT_MS / 1000}s; see its log`,
          );
        }
        if (opts.json) {
          if (!verdict.ok) markFailed();
          printJson({
            ok: verdict.ok,
            pid: verdict.pid,
            message: verdict.message,
            errors: verdict.errors.map(problemJson),
          });
          return;
        }
        if (verdict.ok) {
          printLine(`reload applied by daemon ${verdict.pid}`);
          return;
        }
        markFailed();
        printLine(
          `reload rejected by daemon ${verdict.pid}; it keeps running on the old config: ${verdict.message}`,
        );
        for (const p of verdict.errors) printLine(`  ${formatProblem(p)}`);
      } finally {
        store.close();
      }
    });
}

async function waitForVerdict(
  read: () => ReloadVerdict | null,
  after: number,
): Promise<ReloadVerdict | null> {
  const deadline = Date.now() + VERDICT_TIMEOUT_MS;
  // The verdict is written by another process; the CLI re-reads until it appears.
  for (;;) {
    const v = read();
    if (v && v.seq > after) return v;
    if (Date.now() > deadline) return null;
    await new Promise((r) => setTimeout(r, 100));
  }
}
