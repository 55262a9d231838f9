/** `/jobs?plugin=&status=&before=`: jobs newest first, filtered, a bounded page at a time. */
import type { JobStatus, JobSummary } from "../../store/index.js";
import { truncate, utc } from "./format.js";
import { type Html, html, query } from "./html.js";
import { jobLink, statusBadge } from "./parts.js";

export const JOB_STATUSES: readonly JobStatus[] = ["queued", "running", "succeeded", "dead"];
export const PAGE_SIZE = 50;
const ERROR_CHARS = 120;

export interface JobsFilter {
  plugin?: string;
  status?: JobStatus;
  before?: string;
}

export interface JobsData {
  nowMs: number;
  filter: JobsFilter;
  jobs: JobSummary[];
  next_before: string | null;
  /** Plugin names offered by the filter (configured plugins, plus the filtered one). */
  plugins: string[];
}

export function jobsFilterForm(filter: JobsFilter, plugins: readonly string[]): Html {
  const names = filter.plugin && !plugins.includes(filter.plugin) ? [...plugins, filter.plugin] : plugins;
  return html`<form id="filter" class="filter" method="get" action="/jobs">
<label>plugin <select name="plugin"><option value="">any</option>${names.map((n) => html`<option value="${n}"${n === filter.plugin ? html` selected` : ""}>${n}</option>`)}</select></label>
<label>status <select name="status"><option value="">any</option>${JOB_STATUSES.map((s) => html`<option value="${s}"${s === filter.status ? html` selected` : ""}>${s}</option>`)}</select></label>
<button type="submit">filter</button>
${filter.plugin || filter.status ? html`<a href="/jobs">clear</a>` : ""}
</form>`;
}

export function jobRows(jobs: readonly JobSummary[], nowMs: number): Html {
  return html`${jobs.map((j) => {
    const err = j.last_error === null ? null : truncate(j.last_error, ERROR_CHARS);
    return html`<tr data-job="${j.id}" data-status="${j.status}" data-plugin="${j.plugin}">
<td>${jobLink(j.id)}</td><td>${j.plugin}</td><td>${j.command}</td><td>${statusBadge(j.status)}</td>
<td class="num">${j.attempt}/${j.max_attempts}</td><td>${j.submitted_by}</td>
<td>${utc(j.created_at, nowMs)}</td><td>${utc(j.completed_at)}</td>
<td class="err">${err === null ? "" : html`${err.text}${err.cut > 0 ? "…" : ""}`}</td>
</tr>`;
  })}`;
}

export function jobsMain(d: JobsData): Html {
  const f = d.filter;
  const what = [f.plugin ? `plugin ${f.plugin}` : "", f.status ? `status ${f.status}` : ""]
    .filter(Boolean)
    .join(", ");
  const heading = what ? `Jobs (${what})` : "Jobs";
  if (d.jobs.length === 0) {
    return html`<h1>${heading}</h1><p class="empty" id="no-jobs">${f.before ? "No older jobs." : what ? "No jobs match this filter." : "No jobs yet."}</p>
${f.before ? html`<p><a href="/jobs${query({ plugin: f.plugin, status: f.status })}">newest</a></p>` : ""}`;
  }
  return html`<h1>${heading}</h1>
<p class="hint">Newest first${f.before ? ", older than the previous page" : ""}; ${d.jobs.length} shown.</p>
<table id="jobs"><thead><tr><th>job</th><th>plugin</th><th>command</th><th>status</th><th class="num">attempt</th><th>by</th><th>created</th><th>finished</th><th>last error</th></tr></thead>
<tbody>
${jobRows(d.jobs, d.nowMs)}
</tbody></table>
<p class="pager">${f.before ? html`<a href="/jobs${query({ plugin: f.plugin, status: f.status })}">newest</a> ` : ""}${d.next_before ? html`<a id="older" href="/jobs${query({ plugin: f.plugin, status: f.status, before: d.next_before })}">older →</a>` : ""}</p>`;
}
