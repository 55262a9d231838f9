/**
 * `postern status`: the first thing to type when "something didn't run" (docs/jobs.md, "The operator commands"): is the
 * daemon up, how deep is the queue, and per plugin when it runs next and why not sooner, how it
 * last went, its circuits, dedupe hits and (unless --no-health) what its `health` command says.
 */
import type { Command } from "commander";
import type { Config } from "../../config/types.js";
import { pluginRegistry } from "../../plugins/index.js";
import type { PluginListing } from "../../plugins/types.js";
import {
  buildStatus,
  buildStatusWithoutConfig,
  type PluginState,
  type PluginStatus,
  pluginState,
  resetCommand,
  type StatusReport,
} from "../../status/model.js";
import type { Store } from "../../store/index.js";
import { listPlugins, readSource } from "../config-file.js";
import { withReadStore } from "../database.js";
import { relative, uptime } from "../format/time.js";
import { runHealth } from "../health.js";
import { markFailed, printJson, printLine } from "../output.js";
import { formatTable } from "../table.js";

export function registerStatus(program: Command): void {
  program
    .command("status")
    .description("daemon, queue, and per plugin: next run and why, last success/failure, circuits, health")
    .option("--json", "machine-readable output")
    .option("--no-health", "skip running each plugin's health command")
    .action(async (opts: { json?: boolean; health: boolean }, cmd: Command) => {
      const context = readSource(cmd.optsWithGlobals());
      const now = Date.now();
      const { config } = context;
      const listings = config === null ? [] : listPlugins(config);
      const build = (store: Store | null) =>
        config === null
          ? buildStatusWithoutConfig(context.service.state_dir, store, now)
          : buildStatus(config, listings, store, now);
      const report = withReadStore(context, () => build(null), build);
      if (opts.health && config !== null) await runHealthChecks(config, listings, report);
      if (!report.daemon.running) markFailed();
      if (opts.json) printJson(report);
      else printLine(renderStatus(report, now));
    });
}

async function runHealthChecks(
  config: Config,
  listings: PluginListing[],
  report: StatusReport,
): Promise<void> {
  const registry = pluginRegistry(listings);
  await Promise.all(
    report.plugins.map(async (p) => {
      const plugin = registry.get(p.name);
      if (!plugin || !p.enabled || !plugin.manifest.commands.includes("health")) return;
      const { status, error } = await runHealth(config, plugin);
      p.health = { status, error };
    }),
  );
}

function renderStatus(r: StatusReport, now: number): string {
  const lines: string[] = [];
  const d = r.daemon;
  lines.push(
    d.running
      ? `daemon     running, pid ${d.pid}, up ${d.uptime_seconds === null ? "?" : uptime(d.uptime_seconds)}, version ${d.version ?? "?"}, config ${d.config_file ?? "?"}`
      : "daemon     NOT RUNNING (start it with `postern start`; queued jobs wait until then)",
  );
  const age =
    r.oldest_ready_age_seconds === null
      ? ""
      : `, oldest ready job waiting ${Math.round(r.oldest_ready_age_seconds)}s`;
  lines.push(`queue      ${r.queue_depth} queued${age}`);
  lines.push("");
  const rows = r.plugins.map((p) => [
    p.name,
    STATUS_WORDS[pluginState(p)],
    p.next_run_at ? `${relative(p.next_run_at, now)} (${p.next_run_reason})` : p.next_run_reason,
    relative(p.last_success_at, now),
    relative(p.last_failure_at, now),
    circuits(p),
    String(p.dedupe_hits),
    p.health === null ? "-" : p.health.status === "ok" ? "ok" : "ERROR",
  ]);
  lines.push(
    formatTable(["PLUGIN", "STATE", "NEXT RUN", "LAST OK", "LAST FAIL", "CIRCUIT", "DEDUPE", "HEALTH"], rows),
  );
  const notes = r.plugins.flatMap((p) => {
    const out: string[] = [];
    if (p.reason) out.push(`${p.name}: ${p.reason}`);
    if (p.paused) out.push(`${p.name}: ${pausedText(p.paused)}`);
    if (p.last_error && p.last_failure_at && (!p.last_success_at || p.last_failure_at > p.last_success_at)) {
      out.push(`${p.name}: last error: ${p.last_error}`);
    }
    if (p.health?.status === "error") out.push(`${p.name}: health: ${p.health.error}`);
    for (const [command, c] of Object.entries(p.circuits)) {
      if (c.state === "closed") continue;
      out.push(
        `${p.name}: ${command} circuit ${c.state.replace("_", "-")} after ${c.failures} failures in a row; close it now: ${resetCommand(p.name, command)}`,
      );
    }
    const rejected = p.webhook_rejections;
    if (rejected.length > 0) {
      out.push(`${p.name}: last ${rejected.length} webhook deliveries refused (newest last):`);
      for (const r of rejected)
        out.push(`  ${r.at} ${r.path} ${r.reason} from ${r.remote ?? "unknown address"}`);
    }
    return out;
  });
  if (notes.length > 0) lines.push("", ...notes);
  return lines.join("\n");
}

/** The shared state word, as status has always printed it (upper case where it needs a look). */
const STATUS_WORDS: Record<PluginState, string> = {
  refused: "refused",
  disabled: "disabled",
  paused: "PAUSED",
  unhealthy: "UNHEALTHY",
  "init pending": "loaded (init pending)",
  ok: "ok",
};

function pausedText(p: NonNullable<PluginStatus["paused"]>): string {
  const what = p.all ? "paused" : `${p.commands.join(", ")} paused`;
  return `${what} since ${p.since}; its queued jobs wait (postern resume to release them)`;
}

function circuits(p: PluginStatus): string {
  const open = Object.entries(p.circuits).filter(([, c]) => c.state !== "closed");
  if (open.length === 0) return "closed";
  return open.map(([cmd, c]) => `${cmd} ${c.state.replace("_", "-")}`).join(", ");
}
