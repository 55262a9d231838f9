/**
 * `postern pause PLUGIN [--command C]` / `postern resume PLUGIN [--command C]` (docs/operations.md): hold
 * a plugin (or one command) while its upstream is down, without editing the config. Written to
 * the database; a running daemon applies it within a second (docs/operations.md, Pausing).
 * Paused: not scheduled, its queued jobs wait in place; webhooks, routes and `run` still
 * enqueue; `exec` still runs it.
 */
import type { Command } from "commander";
import type { Config } from "../../config/types.js";
import { PosternError } from "../../core/errors.js";
import { runningDaemonPid } from "../../instance/lock.js";
import type { PauseRow, Store } from "../../store/index.js";
import { requireConfig } from "../config-file.js";
import { withWriteStore } from "../database.js";
import { printJson, printLine } from "../output.js";
import { usageError } from "./args.js";

/** init and health run outside the queue (between jobs, or for a person): nothing to hold. */
const PAUSABLE: readonly string[] = ["poll", "handle"];

interface PauseOptions {
  command?: string;
  json?: boolean;
}

export function registerPause(program: Command): void {
  program
    .command("pause")
    .description(
      "hold a plugin (or one command): not scheduled, its queued jobs wait; webhooks still enqueue",
    )
    .argument("<plugin>", "plugin name")
    .option("--command <command>", `only this command (${PAUSABLE.join(", ")})`)
    .option("--json", "print the outcome as JSON")
    .action((plugin: string, opts: PauseOptions, cmd: Command) => {
      const { config, command } = target(plugin, opts, cmd);
      const result = withWriteStore(config, (store) => {
        const changed = store.pause(plugin, command);
        const row = store.pauses(plugin).find((p) => p.command === command) as PauseRow;
        return { changed, since: row.paused_at, queued: queuedOf(store, plugin, command) };
      });
      const what = subject(plugin, command);
      if (opts.json) {
        printJson({
          plugin,
          command,
          paused: true,
          already_paused: !result.changed,
          since: result.since,
          queued: result.queued,
        });
      } else if (!result.changed) {
        printLine(`${what} was already paused (since ${result.since}); nothing changed`);
      } else {
        printLine(
          `paused ${what}: not scheduled, its ${result.queued} queued job(s) wait; webhooks, routes and \`postern run\` still enqueue`,
        );
      }
      daemonNote(config, "pause");
    });
}

export function registerResume(program: Command): void {
  program
    .command("resume")
    .description("release a paused plugin (or command): its waiting jobs run in their order")
    .argument("<plugin>", "plugin name")
    .option("--command <command>", `only this command's pause (${PAUSABLE.join(", ")})`)
    .option("--json", "print the outcome as JSON")
    .action((plugin: string, opts: PauseOptions, cmd: Command) => {
      const { config, command } = target(plugin, opts, cmd);
      const result = withWriteStore(config, (store) => {
        const lifted = store.resume(plugin, command);
        return { lifted, left: store.pauses(plugin), queued: queuedOf(store, plugin, command) };
      });
      const what = subject(plugin, command);
      if (opts.json) {
        printJson({
          plugin,
          command,
          resumed: result.lifted.map((p) => p.command ?? "*"),
          still_paused: result.left.map((p) => p.command ?? "*"),
          queued: result.queued,
        });
      } else if (result.lifted.length === 0) {
        const whole = result.left.some((p) => p.command === null);
        printLine(
          whole
            ? `${what} was not paused on its own; ${plugin} is paused as a whole (postern resume ${plugin})`
            : `${what} was not paused; nothing changed`,
        );
      } else {
        printLine(`resumed ${what}: its ${result.queued} queued job(s) run in their order`);
      }
      daemonNote(config, "resume");
    });
}

function target(
  plugin: string,
  opts: PauseOptions,
  cmd: Command,
): { config: Config; command: string | null } {
  if (opts.command !== undefined && !PAUSABLE.includes(opts.command)) {
    throw usageError(
      `--command must be one of ${PAUSABLE.join(", ")} (init and health run outside the queue), got "${opts.command}"`,
    );
  }
  const config = requireConfig(cmd.optsWithGlobals());
  if (config.plugins[plugin] === undefined) {
    const known = Object.keys(config.plugins);
    throw new PosternError(
      "plugin_unknown",
      `plugin "${plugin}" is not in ${config.file}; known plugins: ${known.length > 0 ? known.join(", ") : "none"}`,
    );
  }
  return { config, command: opts.command ?? null };
}

function subject(plugin: string, command: string | null): string {
  return command === null ? plugin : `${plugin} ${command}`;
}

function queuedOf(store: Store, plugin: string, command: string | null): number {
  return store
    .listQueue()
    .filter(
      (j) => j.status === "queued" && j.plugin === plugin && (command === null || j.command === command),
    ).length;
}

function daemonNote(config: Config, verb: string): void {
  if (runningDaemonPid(config.service.state_dir) === null) {
    process.stderr.write(`note: no postern daemon is running; the ${verb} applies when it starts\n`);
  }
}
