/**
 * `postern run PLUGIN`: enqueue a job as an operator (`submitted_by: cli`). The daemon runs it;
 * this command only commits it, so it works whether or not the daemon is up.
 */
import type { Command } from "commander";
import type { Config, PluginConfig } from "../../config/types.js";
import type { DedupeHit } from "../../core/dedupe.js";
import { PosternError } from "../../core/errors.js";
import { formatDuration } from "../../core/units.js";
import { runningDaemonPid } from "../../instance/lock.js";
import type { PluginCommand } from "../../plugins/types.js";
import type { Job } from "../../store/index.js";
import { listPlugins, requireConfig } from "../config-file.js";
import { withReadStore, withWriteStore } from "../database.js";
import { cliEvent, parseEventArg } from "../event-arg.js";
import { markFailed, printJson, printLine } from "../output.js";
import { usageError } from "./args.js";
import { waitForJob, warnOpenCircuit } from "./run-wait.js";

interface RunOptions {
  command?: string;
  event?: string;
  dedupeKey?: string;
  wait?: boolean;
  json?: boolean;
}

const RUNNABLE = ["poll", "handle"] as const;

export function registerRun(program: Command): void {
  program
    .command("run")
    .description("enqueue a job for a plugin (submitted_by: cli); the daemon runs it")
    .argument("<plugin>", "plugin name")
    .option("--command <poll|handle>", "what to run (default: handle with --event, else poll)")
    .option("--event <json|@file>", 'event for handle: {"type": "...", "payload": ..., "dedupe_key": "..."}')
    .option(
      "--dedupe-key <key>",
      "skip the job if one with this key is queued, running, or succeeded within dedupe_ttl",
    )
    .option("--wait", "follow the job until it succeeds or is dead; exit 0 only if it succeeded")
    .option("--json", "machine-readable output")
    .action(async (name: string, opts: RunOptions, cmd: Command) => {
      const command = chooseCommand(opts);
      const event = opts.event === undefined ? null : parseEventArg(opts.event);
      const config = requireConfig(cmd.optsWithGlobals());
      const pluginConfig = runnablePlugin(config, name, command);
      const payload = event === null ? null : cliEvent(event, Date.now());
      // As for routed events (docs/jobs.md, "Events and routing"): the event's key is the job's, unless the operator gives one.
      const dedupeKey = opts.dedupeKey ?? event?.dedupe_key ?? null;
      const result = withWriteStore(config, (store) =>
        store.enqueueJob(
          {
            plugin: name,
            command,
            payload,
            submittedBy: "cli",
            dedupeKey,
            maxAttempts: pluginConfig.retry.max_attempts,
          },
          { dedupeTtlMs: config.service.dedupe_ttl },
        ),
      );
      if ("duplicateOf" in result) {
        await reportDuplicate(config, { name, command, key: dedupeKey ?? "" }, result, opts);
        return;
      }
      const job = result.job;
      if (runningDaemonPid(config.service.state_dir) === null) {
        process.stderr.write(
          `warning: no postern daemon is running for ${config.service.state_dir}; job ${job.id} will run when it starts (\`postern start\`)\n`,
        );
      }
      if (!opts.wait) {
        if (opts.json) printJson({ job_id: job.id });
        else printLine(job.id);
        return;
      }
      if (!opts.json) process.stderr.write(`enqueued job ${job.id}; waiting for it (Ctrl-C stops waiting)\n`);
      const { job: final, interrupted } = await waitForJob(config, job.id, !opts.json);
      if (final.status !== "succeeded") markFailed();
      if (opts.json) printJson(final);
      else printLine(verdict(final, interrupted));
      if (final.status === "dead") warnOpenCircuit(config, final);
    });
}

function chooseCommand(opts: RunOptions): PluginCommand {
  const command = opts.command ?? (opts.event === undefined ? "poll" : "handle");
  if (!(RUNNABLE as readonly string[]).includes(command)) {
    throw usageError(`--command must be poll or handle, got "${command}" (use \`postern exec\` for others)`);
  }
  if (command === "handle" && opts.event === undefined) {
    throw usageError(
      'handle needs an event: --event \'{"type": "...", "payload": {}}\' or --event @file.json',
    );
  }
  if (command === "poll" && opts.event !== undefined) {
    throw usageError("--event is only for handle (a poll job has no event)");
  }
  return command as PluginCommand;
}

/** Refuses work the daemon would never run, so the operator learns it now, not from a dead job. */
function runnablePlugin(config: Config, name: string, command: PluginCommand): PluginConfig {
  const pluginConfig = config.plugins[name];
  if (pluginConfig === undefined) {
    const known = Object.keys(config.plugins).join(", ") || "none";
    throw new PosternError(
      "plugin_unknown",
      `plugin "${name}" is not in ${config.file} (configured: ${known})`,
    );
  }
  if (!pluginConfig.enabled) {
    throw new PosternError(
      "plugin_disabled",
      `plugin ${name} is disabled in ${config.file}; enable it (and reload) before running it`,
    );
  }
  const listing = listPlugins(config).find((l) => l.name === name);
  if (listing === undefined) {
    throw new PosternError(
      "plugin_unknown",
      `no plugin directory "${name}" under ${config.plugins_dirs.join(", ")} or the bundled plugins`,
    );
  }
  if (!listing.loaded)
    throw new PosternError("plugin_refused", `plugin ${name} is not loaded: ${listing.reason}`);
  if (!listing.commands.includes(command)) {
    throw new PosternError(
      "command_unsupported",
      `plugin ${name} does not declare "${command}" in its manifest commands (${listing.commands.join(", ")})`,
    );
  }
  return pluginConfig;
}

async function reportDuplicate(
  config: Config,
  job: { name: string; command: string; key: string },
  hit: DedupeHit,
  opts: RunOptions,
): Promise<void> {
  const { duplicateOf, duplicateStatus } = hit;
  const what = `a ${job.command} job of ${job.name} with dedupe key "${job.key}"`;
  process.stderr.write(
    duplicateStatus === "succeeded"
      ? `not enqueued: ${what} already succeeded within dedupe_ttl (${formatDuration(config.service.dedupe_ttl)}): ` +
          `the work is done. \`postern jobs show ${duplicateOf}\` shows it.\n`
      : `not enqueued: ${what} is already ${duplicateStatus}; its outcome stands for this one. ` +
          `\`postern jobs show ${duplicateOf}\` shows it.\n`,
  );
  if (!opts.wait) {
    if (opts.json) printJson({ duplicate_of: duplicateOf });
    else printLine(`duplicate of ${duplicateOf}`);
    return;
  }
  // --wait promises the final job object: the job that does the work is that one, so a queued
  // or running duplicate is followed to its end (exit 0 only if it succeeded).
  if (duplicateStatus === "succeeded") {
    const existing = withReadStore(
      config,
      () => null,
      (store) => store.getJob(duplicateOf),
    );
    if (opts.json)
      printJson(
        existing === null ? { duplicate_of: duplicateOf } : { ...existing, duplicate_of: duplicateOf },
      );
    else printLine(`duplicate of ${duplicateOf}`);
    return;
  }
  const { job: final, interrupted } = await waitForJob(config, duplicateOf, !opts.json);
  if (final.status !== "succeeded") markFailed();
  if (opts.json) printJson({ ...final, duplicate_of: duplicateOf });
  else printLine(`duplicate of ${duplicateOf}: ${verdict(final, interrupted)}`);
}

function verdict(job: Job, interrupted: boolean): string {
  const of = `attempt ${job.attempt}/${job.max_attempts}`;
  if (interrupted) return `stopped waiting: job ${job.id} is still ${job.status} (${of})`;
  if (job.status === "succeeded") return `job ${job.id} succeeded (${of})`;
  return `job ${job.id} is dead after ${of}: ${job.last_error ?? "no error recorded"} (\`postern jobs show ${job.id}\`)`;
}
