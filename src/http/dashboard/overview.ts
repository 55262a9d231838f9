/** `/`: is the daemon alive, how much is waiting, how busy was it, and what needs attention. */
import { type PluginStatus, resetCommand } from "../../status/model.js";
import type { JobSummary } from "../../store/index.js";
import { type HourBucket, hourChart } from "./chart.js";
import { duration, utc } from "./format.js";
import { type Html, html } from "./html.js";
import { jobLink, pluginHref, statusBadge } from "./parts.js";

export interface OverviewData {
  nowMs: number;
  started_at: string;
  uptime_seconds: number;
  queue_depth: number;
  oldest_ready_age_seconds: number | null;
  running: JobSummary | null;
  hours: HourBucket[];
  plugins: PluginStatus[];
}

/** Circuits that are not closed, plugin by plugin. */
export function openCircuits(
  plugins: readonly PluginStatus[],
): { plugin: string; command: string; state: string; opened_at: string | null; failures: number }[] {
  return plugins.flatMap((p) =>
    Object.entries(p.circuits)
      .filter(([, c]) => c.state !== "closed")
      .map(([command, c]) => ({
        plugin: p.name,
        command,
        state: c.state,
        opened_at: c.opened_at,
        failures: c.failures,
      })),
  );
}

/** Configured plugins that cannot run as configured: refused at load, or init failed. */
export function unhealthyPlugins(plugins: readonly PluginStatus[]): PluginStatus[] {
  return plugins.filter((p) => p.enabled && (!p.loaded || p.healthy === false));
}

export function overviewMain(d: OverviewData): Html {
  const circuits = openCircuits(d.plugins);
  const unhealthy = unhealthyPlugins(d.plugins);
  const age = d.oldest_ready_age_seconds;
  return html`<h1>Overview</h1>
<section class="cards">
<div class="card" id="uptime"><span class="k">daemon up</span><span class="v">${duration(d.uptime_seconds * 1000)}</span><span class="s">since ${utc(d.started_at)}</span></div>
<div class="card" id="queue-depth"><span class="k">queued</span><span class="v">${d.queue_depth}</span><span class="s">${age === null ? "nothing ready and waiting" : `oldest ready waits ${duration(age * 1000)}`}</span></div>
<div class="card" id="running"><span class="k">running</span><span class="v">${d.running === null ? "idle" : d.running.plugin}</span><span class="s">${d.running === null ? "no job in flight" : html`${jobLink(d.running.id)} ${d.running.command}, attempt ${d.running.attempt}`}</span></div>
<div class="card${circuits.length > 0 ? " warn" : ""}" id="circuits-open"><span class="k">open circuits</span><span class="v">${circuits.length}</span><span class="s">${circuits.length === 0 ? "all closed" : "scheduled polls held back"}</span></div>
<div class="card${unhealthy.length > 0 ? " warn" : ""}" id="unhealthy"><span class="k">unhealthy plugins</span><span class="v">${unhealthy.length}</span><span class="s">of ${d.plugins.length} configured</span></div>
</section>
${hourChart(d.hours)}
<section>
<h2>Open circuits</h2>
${
  circuits.length === 0
    ? html`<p class="empty">No open circuits.</p>`
    : html`<table id="open-circuits"><thead><tr><th>plugin</th><th>command</th><th>state</th><th>failures</th><th>opened</th><th>close it now</th></tr></thead><tbody>
${circuits.map((c) => html`<tr><td><a href="${pluginHref(c.plugin)}">${c.plugin}</a></td><td>${c.command}</td><td>${statusBadge(c.state)}</td><td class="num">${c.failures}</td><td>${utc(c.opened_at, d.nowMs)}</td><td><code>${resetCommand(c.plugin, c.command)}</code></td></tr>`)}
</tbody></table>`
}
</section>
<section>
<h2>Unhealthy plugins</h2>
${
  unhealthy.length === 0
    ? html`<p class="empty">Every enabled plugin is loaded and healthy.</p>`
    : html`<table id="unhealthy-plugins"><thead><tr><th>plugin</th><th>why</th></tr></thead><tbody>
${unhealthy.map((p) => html`<tr><td><a href="${pluginHref(p.name)}">${p.name}</a></td><td>${p.reason ?? "unknown"}</td></tr>`)}
</tbody></table>`
}
</section>`;
}
