/**
 * The `postern` command line. Exit codes (docs/jobs.md, "The operator commands"): 0 success, 1 failure, 2 usage error.
 * Expected failures are PosternErrors and print a message for people, never a stack trace.
 */
import type { Command } from "commander";
import { PosternError } from "../core/errors.js";
import { VERSION } from "../version.js";
import { commandWord, helpAfterCommand, plainStartArgs } from "./command-word.js";
import { printError, printProblems } from "./output.js";

type Register = (program: Command) => void;

/**
 * Each command's module, loaded only when needed: the daemon (`start`) then carries none of the
 * other commands' code, which keeps its idle memory and start-up time down
 * (docs/performance.md). In the order `postern --help` lists them.
 */
const COMMANDS: [string, () => Promise<Register>][] = [
  ["start", async () => (await import("./commands/start.js")).registerStart],
  ["status", async () => (await import("./commands/status.js")).registerStatus],
  ["reload", async () => (await import("./commands/reload.js")).registerReload],
  ["config", async () => (await import("./commands/config-check.js")).registerConfigCheck],
  ["plugins", async () => (await import("./commands/plugins.js")).registerPlugins],
  ["exec", async () => (await import("./commands/exec.js")).registerExec],
  ["run", async () => (await import("./commands/run.js")).registerRun],
  ["queue", async () => (await import("./commands/queue.js")).registerQueue],
  ["jobs", async () => (await import("./commands/jobs.js")).registerJobs],
  ["state", async () => (await import("./commands/state.js")).registerState],
  ["logs", async () => (await import("./commands/logs.js")).registerLogs],
  ["reset", async () => (await import("./commands/reset.js")).registerReset],
  ["init", async () => (await import("./commands/init.js")).registerInit],
  ["new", async () => (await import("./commands/new.js")).registerNew],
  ["service", async () => (await import("./commands/service.js")).registerService],
  ["pause", async () => (await import("./commands/pause.js")).registerPause],
  ["resume", async () => (await import("./commands/pause.js")).registerResume],
  ["backup", async () => (await import("./commands/backup.js")).registerBackup],
  ["doctor", async () => (await import("./commands/doctor.js")).registerDoctor],
  ["why", async () => (await import("./commands/why.js")).registerWhy],
];

async function buildProgram(argv: string[]): Promise<Command> {
  const { Command } = await import("commander");
  const program = new Command("postern")
    .description("Postern: a small self-hosted personal integration gateway")
    .version(VERSION, "-V, --version")
    .option("-c, --config <path>", "config file (default: $POSTERN_CONFIG, else ./postern.yaml)")
    .exitOverride()
    // Every subcommand's --help lists -c/--config too (set before the commands are added, so
    // they inherit it).
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError("(run `postern --help` for usage)");
  // A known command loads only itself; anything else (help, a typo) loads all, so help and
  // "unknown command" messages list every command.
  const word = commandWord(argv);
  const wanted = COMMANDS.filter(([name]) => name === word);
  for (const [, load] of wanted.length > 0 ? wanted : COMMANDS) (await load())(program);
  return program;
}

async function main(rawArgv: string[]): Promise<number> {
  const argv = helpAfterCommand(rawArgv);
  // The daemon's usual command line skips commander (and its load: docs/performance.md).
  const plain = plainStartArgs(argv);
  if (plain !== null) {
    try {
      await (await import("./commands/start.js")).runStart(plain);
    } catch (e) {
      if (e instanceof PosternError) return reportPosternError(e);
      throw e;
    }
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  }
  const { CommanderError } = await import("commander");
  const program = await buildProgram(argv);
  for (const cmd of [...program.commands, ...program.commands.flatMap((c) => c.commands)]) cmd.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return 0;
      if (e.code === "commander.help") return 0;
      return 2;
    }
    if (e instanceof PosternError) return reportPosternError(e);
    throw e;
  }
  // Commands report failure by setting process.exitCode (see output.ts `fail`).
  return typeof process.exitCode === "number" ? process.exitCode : 0;
}

function reportPosternError(e: PosternError): number {
  printError(e.message);
  printProblems(e.problems);
  return e.exitCode;
}

// `postern jobs list --json | head`: the reader went away; as for any Unix tool that is the end
// of the output, not an error. Not for the daemon: a lost log reader must not look like a clean
// stop to its supervisor. Other stdout failures still surface as they did.
if (commandWord(process.argv) !== "start") {
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
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
