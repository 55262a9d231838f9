/**
 * `/plugins`: per configured plugin, how it is scheduled, when it runs next and why, how it last
 * went, its circuits and dedupe hits, and its last refused webhook deliveries. Never its `config`
 * or `env` (they hold secrets).
 */
import type { Schedule } from "../../config/types.js";
import { type PluginStatus, pluginState, resetCommand } from "../../status/model.js";
import { duration, truncate, utc } from "./format.js";
import { type Html, html } from "./html.js";
import { pluginHref, statusBadge } from "./parts.js";

export interface PluginsData {
  nowMs: number;
  plugins: PluginStatus[];
  /** By plugin name: its schedule (null: never polled by the scheduler). */
  schedules: Record<string, Schedule | null>;
  /** service.timezone, for the preferred window. */
  timezone: string;
}

const ERROR_CHARS = 300;

const pad = (n: number) => String(n).padStart(2, "0");

export function scheduleText(s: Schedule | null, timezone: string): string {
  if (s === null) return "no schedule (webhooks, routes and the CLI only)";
  const parts = [`every ${s.every.text}`];
  if (s.jitter > 0) parts.push(`jitter ${duration(s.jitter)}`);
  const w = s.preferred_window;
  if (w !== null) {
    parts.push(
      `window ${pad(w.start.hour)}:${pad(w.start.minute)}–${pad(w.end.hour)}:${pad(w.end.minute)} (${timezone})`,
    );
  }
  return parts.join(", ");
}

function circuitsCell(p: PluginStatus, nowMs: number): Html {
  const entries = Object.entries(p.circuits);
  if (entries.length === 0) return statusBadge("closed");
  return html`${entries.map(
    ([command, c]) =>
      html`<div>${command}: ${statusBadge(c.state)}${c.failures > 0 ? html` <span class="rel">${c.failures} failed in a row</span>` : ""}${c.state !== "closed" && c.opened_at ? html` <span class="rel">opened ${utc(c.opened_at, nowMs)}</span>` : ""}${c.state !== "closed" ? html` <code class="reset">${resetCommand(p.name, command)}</code>` : ""}</div>`,
  )}`;
}

function lastFailure(p: PluginStatus, nowMs: number): Html {
  if (p.last_failure_at === null) return utc(null);
  const err = p.last_error === null ? null : truncate(p.last_error, ERROR_CHARS);
  return html`${utc(p.last_failure_at, nowMs)}${err ? html`<div class="err">${err.text}${err.cut > 0 ? html`<span class="cut"> … (${err.cut} more characters)</span>` : ""}</div>` : ""}`;
}

export function pluginsMain(d: PluginsData): Html {
  if (d.plugins.length === 0) {
    return html`<h1>Plugins</h1><p class="empty">No plugins are configured (the <code>plugins:</code> block of the config is empty).</p>`;
  }
  return html`<h1>Plugins</h1>
<table id="plugins"><thead><tr><th>plugin</th><th>state</th><th>schedule</th><th>next run</th><th>last success</th><th>last failure</th><th>circuit</th><th class="num">dedupe hits</th></tr></thead>
<tbody>
${d.plugins.map((p) => {
  const state = pluginState(p);
  return html`<tr id="plugin-${p.name}" data-plugin="${p.name}">
<td><a class="plugin" href="${pluginHref(p.name)}">${p.name}</a> <a class="rel" href="/jobs?plugin=${encodeURIComponent(p.name)}">jobs</a></td>
<td>${statusBadge(state)}${p.reason ? html`<div class="err">${truncate(p.reason, ERROR_CHARS).text}</div>` : ""}${p.paused ? html`<div class="paused">${p.paused.all ? "paused" : `paused: ${p.paused.commands.join(", ")}`} since ${utc(p.paused.since, d.nowMs)}</div>` : ""}</td>
<td>${scheduleText(d.schedules[p.name] ?? null, d.timezone)}</td>
<td>${p.next_run_at === null ? "" : html`${utc(p.next_run_at, d.nowMs)}<br>`}<span class="why">${p.next_run_reason}</span></td>
<td>${utc(p.last_success_at, d.nowMs)}</td>
<td>${lastFailure(p, d.nowMs)}</td>
<td>${circuitsCell(p, d.nowMs)}</td>
<td class="num">${p.dedupe_hits}</td>
</tr>`;
})}
</tbody></table>${rejectionsSection(d)}`;
}

/** The last refused webhook deliveries per plugin (docs/webhooks.md): when, where, why, from where; never a body. */
function rejectionsSection(d: PluginsData): Html | string {
  const withRejections = d.plugins.filter((p) => p.webhook_rejections.length > 0);
  if (withRejections.length === 0) return "";
  return html`<h2>Refused webhook deliveries</h2>
<table id="webhook-rejections"><thead><tr><th>plugin</th><th>when</th><th>path</th><th>reason</th><th>from</th></tr></thead>
<tbody>
${withRejections.flatMap((p) =>
  [...p.webhook_rejections]
    .reverse()
    .map(
      (r) =>
        html`<tr><td>${p.name}</td><td>${utc(r.at, d.nowMs)}</td><td>${r.path}</td><td>${r.reason}</td><td>${r.remote ?? ""}</td></tr>`,
    ),
)}
</tbody></table>`;
}
