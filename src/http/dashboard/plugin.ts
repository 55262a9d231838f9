/**
 * `/plugins/<name>`: `postern why NAME` in the browser (docs/dashboard.md). The data is the
 * WhyReport of src/status/why.ts, the one owner of what the report says and of how much it
 * reads; this file only lays it out. Every value goes through the escaping template.
 */
import type { Schedule } from "../../config/types.js";
import { pluginState, resetCommand } from "../../status/model.js";
import type { WhyReport } from "../../status/why.js";
import { duration, truncate, utc } from "./format.js";
import { type Html, html } from "./html.js";
import { jobLink, statusBadge } from "./parts.js";
import { scheduleText } from "./plugins.js";

export interface PluginPageData {
  nowMs: number;
  report: WhyReport;
  /** From the config (null: never polled by the scheduler). */
  schedule: Schedule | null;
  /** service.timezone, for the preferred window. */
  timezone: string;
}

const ERROR_CHARS = 300;

function errorText(text: string | null): Html | string {
  if (text === null) return "";
  const t = truncate(text, ERROR_CHARS);
  return html`${t.text}${t.cut > 0 ? html`<span class="cut"> … (${t.cut} more characters)</span>` : ""}`;
}

function runsSection(r: WhyReport, nowMs: number): Html {
  const body =
    r.runs.length === 0
      ? html`<p class="empty" id="no-runs">No jobs of this plugin (none yet, or all pruned by retention).</p>`
      : html`<table id="runs"><thead><tr><th>job</th><th>command</th><th>status</th><th>by</th><th>created</th><th>finished</th><th>last error</th></tr></thead><tbody>
${r.runs.map(
  (j) => html`<tr data-job="${j.job_id}" data-status="${j.status}">
<td>${jobLink(j.job_id)}</td><td>${j.command}</td><td>${statusBadge(j.status)}</td><td>${j.submitted_by}</td>
<td>${utc(j.created_at, nowMs)}</td><td>${utc(j.completed_at)}</td><td class="err">${errorText(j.last_error)}</td>
</tr>`,
)}
</tbody></table>
<p class="hint">Newest first; <a href="/jobs?plugin=${encodeURIComponent(r.plugin)}">all jobs of ${r.plugin}</a>.</p>`;
  return html`<section id="why-runs"><h2>Recent runs</h2>${body}</section>`;
}

function skipsSection(r: WhyReport, scheduled: boolean, nowMs: number): Html {
  const body =
    r.skips.length === 0
      ? html`<p class="empty" id="no-skips">No skipped runs recorded${scheduled ? ": each time it was due, its poll was enqueued" : " (it has no schedule, so the scheduler never finds it due)"}.</p>`
      : html`<table id="skips"><thead><tr><th>kind</th><th>reason</th><th class="num">count</th><th>first</th><th>last</th></tr></thead><tbody>
${r.skips.map(
  (s) => html`<tr data-kind="${s.kind}">
<td><code>${s.kind}</code></td><td>${s.reason}</td><td class="num">${s.count}</td><td>${utc(s.first_at, nowMs)}</td><td>${utc(s.last_at, nowMs)}</td>
</tr>`,
)}
</tbody></table>`;
  return html`<section id="why-skips"><h2>Skipped when due</h2>
<p class="hint">Each time the scheduler found it due and did not enqueue its poll, and why; repeats of the same reason are one row. Newest first.</p>
${body}</section>`;
}

function circuitsSection(r: WhyReport, nowMs: number): Html {
  const entries = Object.entries(r.circuits);
  const body =
    entries.length === 0
      ? html`<p class="empty" id="no-circuits">No circuit recorded: no command has failed.</p>`
      : html`<table id="circuits"><thead><tr><th>command</th><th>state</th><th class="num">failures in a row</th><th>opened</th><th>close it now</th></tr></thead><tbody>
${entries.map(
  ([command, c]) => html`<tr data-command="${command}" data-state="${c.state}">
<td>${command}</td><td>${statusBadge(c.state)}</td><td class="num">${c.failures}</td><td>${utc(c.opened_at, nowMs)}</td>
<td>${c.state === "closed" ? "" : html`<code class="reset">${resetCommand(r.plugin, command)}</code>`}</td>
</tr>`,
)}
</tbody></table>`;
  return html`<section id="why-circuits"><h2>Circuits</h2>${body}</section>`;
}

function heartbeatsSection(r: WhyReport, nowMs: number): Html {
  const body =
    r.heartbeats.length === 0
      ? html`<p class="empty" id="no-heartbeats">No heartbeat expected (<code>expect:</code> is not set for this plugin).</p>`
      : html`<table id="heartbeats"><thead><tr><th>expects</th><th>state</th><th>last</th><th>missed since</th></tr></thead><tbody>
${r.heartbeats.map(
  (h) => html`<tr data-kind="${h.kind}" data-state="${h.state}">
<td>${h.kind === "success" ? "a succeeded job" : h.kind === "event" ? "an emitted event" : h.kind} ${h.within_ms === null ? html`<span class="rel">(no longer expected)</span>` : `within ${duration(h.within_ms)}`}</td>
<td>${statusBadge(h.state)}</td>
<td>${h.last_at === null ? html`none since ${utc(h.started_at, nowMs)} <span class="rel">(first load)</span>` : utc(h.last_at, nowMs)}</td>
<td>${utc(h.missed_at, nowMs)}</td>
</tr>`,
)}
</tbody></table>`;
  return html`<section id="why-heartbeats"><h2>Heartbeats</h2>${body}</section>`;
}

function alertsSection(r: WhyReport, nowMs: number): Html {
  const body =
    r.alerts.length === 0
      ? html`<p class="empty" id="no-alerts">No system events about this plugin.</p>`
      : html`<table id="alerts"><thead><tr><th>when</th><th>type</th><th>alert</th><th class="num">count</th><th>routed to</th></tr></thead><tbody>
${r.alerts.map(
  (a) => html`<tr data-type="${a.type}">
<td>${utc(a.at, nowMs)}</td><td><code>${a.type}</code></td><td>${a.title}</td><td class="num">${a.count}</td>
<td>${a.routed_to.length === 0 ? html`<span class="rel">routed nowhere (no <code>from: postern</code> route for this type)</span>` : a.routed_to.join(", ")}</td>
</tr>`,
)}
</tbody></table>`;
  return html`<section id="why-alerts"><h2>Recent alerts</h2>${body}</section>`;
}

function pausedLine(r: WhyReport, nowMs: number): Html | string {
  if (r.paused === null) return "";
  const what = r.paused.all ? "paused" : `paused: ${r.paused.commands.join(", ")}`;
  return html`<div class="paused" id="paused">${what} since ${utc(r.paused.since, nowMs)}: <code>postern resume ${r.plugin}</code> to run it again</div>`;
}

/** Only for a plugin with refused deliveries, like the last section of `postern why`. */
function rejectionsSection(r: WhyReport, nowMs: number): Html | string {
  if (r.webhook_rejections.length === 0) return "";
  return html`<section id="why-rejections"><h2>Refused webhook deliveries</h2>
<p class="hint">The last ${r.webhook_rejections.length} refused deliveries to this plugin's endpoints, newest first; never a body.</p>
<table id="webhook-rejections"><thead><tr><th>when</th><th>path</th><th>reason</th><th>from</th></tr></thead><tbody>
${[...r.webhook_rejections]
  .reverse()
  .map(
    (w) =>
      html`<tr><td>${utc(w.at, nowMs)}</td><td>${w.path}</td><td>${w.reason}</td><td>${w.remote ?? ""}</td></tr>`,
  )}
</tbody></table></section>`;
}

export function pluginMain(d: PluginPageData): Html {
  const r = d.report;
  const state = pluginState(r);
  return html`<h1>Plugin <code id="plugin-name">${r.plugin}</code></h1>
<dl class="fields" id="why-summary">
<dt>state</dt><dd>${statusBadge(state)}${r.reason ? html`<div class="err">${errorText(r.reason)}</div>` : ""}${pausedLine(r, d.nowMs)}</dd>
<dt>schedule</dt><dd>${scheduleText(d.schedule, d.timezone)}</dd>
<dt>next run</dt><dd id="next-run">${r.next_run_at === null ? html`<span class="none">–</span>` : utc(r.next_run_at, d.nowMs)}<div class="why">${r.next_run_reason}</div></dd>
<dt>jobs</dt><dd><a href="/jobs?plugin=${encodeURIComponent(r.plugin)}">all jobs of ${r.plugin}</a></dd>
</dl>
<p class="hint">The same report as <code>postern why ${r.plugin}</code>.</p>
${runsSection(r, d.nowMs)}
${skipsSection(r, d.schedule !== null, d.nowMs)}
${circuitsSection(r, d.nowMs)}
${heartbeatsSection(r, d.nowMs)}
${alertsSection(r, d.nowMs)}
${rejectionsSection(r, d.nowMs)}`;
}
