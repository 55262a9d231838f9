/**
 * `postern why PLUGIN [--json]` (docs/operations.md): why a plugin runs when it does, and why it did not
 * when it was due. Reads the database only; answers with or without a running daemon.
 */
import type { Command } from "commander";
import { PosternError } from "../../core/errors.js";
import { formatDuration } from "../../core/units.js";
import { runningLiveSet } from "../../status/model.js";
import { buildWhy, type WhyReport } from "../../status/why.js";
import { listPlugins, requireConfig } from "../config-file.js";
import { withReadStore } from "../database.js";
import { relative } from "../format/time.js";
import { printJson, printLine } from "../output.js";

export function registerWhy(program: Command): void {
  program
    .command("why")
    .description(
      "why a plugin runs when it does: next run, last runs, skipped polls, circuits, heartbeats, alerts",
    )
    .argument("<plugin>", "plugin name")
    .option("--json", "machine-readable output")
    .action((plugin: string, opts: { json?: boolean }, cmd: Command) => {
      const config = requireConfig(cmd.optsWithGlobals());
      if (config.plugins[plugin] === undefined) {
        throw new PosternError("plugin_unknown", `plugin "${plugin}" is not in ${config.file}`);
      }
      const now = Date.now();
      const listings = listPlugins(config);
      const report = withReadStore(
        config,
        () => buildWhy(config, listings, null, plugin, now),
        // The running daemon's view of its plugins' health, as `status` and the dashboard show it.
        (store) =>
          buildWhy(config, listings, store, plugin, now, runningLiveSet(config.service.state_dir, store)),
      );
      if (opts.json) printJson(report);
      else printLine(renderWhy(report, now));
    });
}

export function renderWhy(r: WhyReport, now: number): string {
  const out: string[] = [];
  // The order of pluginState (status/model.ts), in why's words.
  const health = !r.loaded
    ? `not loaded${r.reason ? `: ${r.reason}` : ""}`
    : !r.enabled
      ? "disabled"
      : r.healthy === false
        ? `unhealthy${r.reason ? `: ${r.reason}` : ""}`
        : "enabled, healthy";
  const paused =
    r.paused === null
      ? ""
      : `; ${r.paused.all ? "PAUSED" : `${r.paused.commands.join(", ")} PAUSED`} since ${r.paused.since} (postern resume ${r.plugin})`;
  out.push(`${r.plugin}: ${health}${paused}`);
  const at = r.next_run_at === null ? "no run planned" : `${r.next_run_at} (${relative(r.next_run_at, now)})`;
  out.push(`next run: ${at}: ${r.next_run_reason}`);

  out.push("", "last runs:");
  if (r.runs.length === 0) out.push("  none");
  for (const j of r.runs) {
    const when = j.completed_at ?? j.created_at;
    const error = j.last_error === null ? "" : `: ${j.last_error}`;
    out.push(
      `  ${when}  ${j.command.padEnd(6)} ${j.status.padEnd(9)} ${j.job_id} (${j.submitted_by})${error}`,
    );
  }

  out.push("", "skipped when due (newest first):");
  if (r.skips.length === 0) out.push("  none");
  for (const s of r.skips) {
    const span = s.count === 1 ? s.last_at : `${s.first_at} .. ${s.last_at}`;
    out.push(`  ${span}  ${s.kind} x${s.count}: ${s.reason}`);
  }

  out.push("", "circuits:");
  const circuits = Object.entries(r.circuits);
  if (circuits.length === 0) out.push("  none recorded");
  for (const [command, c] of circuits) {
    const since = c.opened_at === null ? "" : `, opened ${c.opened_at}`;
    out.push(`  ${command}: ${c.state} (${c.failures} consecutive failures${since})`);
  }

  out.push("", "heartbeats:");
  if (r.heartbeats.length === 0) out.push("  none expected");
  for (const h of r.heartbeats) {
    const within = h.within_ms === null ? "no longer expected" : `within ${formatDuration(h.within_ms)}`;
    const last = h.last_at === null ? `none since ${h.started_at}` : `last ${h.last_at}`;
    const state = h.missed_at === null ? "ok" : `MISSED since ${h.missed_at}`;
    out.push(`  ${h.kind} ${within}: ${state}; ${last}`);
  }

  out.push("", "recent alerts:");
  if (r.alerts.length === 0) out.push("  none");
  for (const a of r.alerts) {
    const to = a.routed_to.length === 0 ? "routed nowhere" : `to ${a.routed_to.join(", ")}`;
    out.push(`  ${a.at}  ${a.type} (${to}): ${a.title}`);
  }

  if (r.webhook_rejections.length > 0) {
    out.push("", "webhook deliveries refused (newest last):");
    for (const w of r.webhook_rejections)
      out.push(`  ${w.at}  ${w.path} ${w.reason} from ${w.remote ?? "unknown address"}`);
  }
  return out.join("\n");
}
