/**
 * The `postern` command line. Exit codes (SPEC §13): 0 success, 1 failure, 2 usage error.
 * Expected failures are PosternErrors and print a message for people, never a stack trace.
 */
import { Command, CommanderError } from "commander";
import { PosternError } from "../core/errors.js";
import { VERSION } from "../version.js";
import { registerConfigCheck } from "./commands/config-check.js";
import { registerExec } from "./commands/exec.js";
import { registerJobs } from "./commands/jobs.js";
import { registerLogs } from "./commands/logs.js";
import { registerPlugins } from "./commands/plugins.js";
import { registerQueue } from "./commands/queue.js";
import { registerReload } from "./commands/reload.js";
import { registerReset } from "./commands/reset.js";
import { registerRun } from "./commands/run.js";
import { registerStart } from "./commands/start.js";
import { registerState } from "./commands/state.js";
import { registerStatus } from "./commands/status.js";
import { printError, printProblems } from "./output.js";

function buildProgram(): Command {
  const program = new Command("postern")
    .description("Postern: a small self-hosted personal integration gateway")
    .version(VERSION, "-V, --version")
    .option("-c, --config <path>", "config file (default: $POSTERN_CONFIG, else ./postern.yaml)")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError("(run `postern --help` for usage)");
  registerStart(program);
  registerStatus(program);
  registerReload(program);
  registerConfigCheck(program);
  registerPlugins(program);
  registerExec(program);
  registerRun(program);
  registerQueue(program);
  registerJobs(program);
  registerState(program);
  registerLogs(program);
  registerReset(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  for (const cmd of [...program.commands, ...program.commands.flatMap((c) => c.commands)]) cmd.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return 0;
      if (e.code === "commander.help") return 0;
      return 2;
    }
    if (e instanceof PosternError) {
      printError(e.message);
      printProblems(e.problems);
      return e.exitCode;
    }
    throw e;
  }
  // Commands report failure by setting process.exitCode (see output.ts `fail`).
  return typeof process.exitCode === "number" ? process.exitCode : 0;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(
      `postern: internal error (this is a bug, please report it):\n${e instanceof Error ? e.stack : String(e)}\n`,
    );
    process.exitCode = 1;
  },
);
