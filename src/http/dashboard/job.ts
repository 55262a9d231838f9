/**
 * `/jobs/<id>`: one job — its fields, every attempt (error, exit, stderr excerpt), the events it
 * emitted and the jobs they became, and where it sits in its chain (a small trace tree).
 * Payloads, stdout and plugin logs are not shown: they may echo config values or secrets
 * (`postern jobs show ID` prints them for whoever may read the database).
 */
import type { AttemptView, EventSummary, JobSummary, JobTree, TraceNode } from "../../store/index.js";
import { duration, truncate, utc } from "./format.js";
import { type Html, html } from "./html.js";
import { jobLink, pluginHref, statusBadge } from "./parts.js";

/** Characters of a stderr excerpt shown per attempt: the end, where the error usually is. */
export const STDERR_CHARS = 4000;

export interface JobDetailData {
  nowMs: number;
  job: JobSummary;
  attempts: AttemptView[];
  /** The first events (bounded) and how many there are in all. */
  events: { events: EventSummary[]; total: number };
  tree: JobTree;
}

/** The last `max` characters of a stderr excerpt, and how many earlier ones are not shown. */
export function stderrTail(stderr: string, max = STDERR_CHARS): { text: string; hidden: number } {
  const chars = Array.from(stderr);
  if (chars.length <= max) return { text: stderr, hidden: 0 };
  return { text: chars.slice(chars.length - max).join(""), hidden: chars.length - max };
}

function nodeLabel(j: JobSummary, current: boolean): Html {
  return html`<span class="node${current ? " current" : ""}" data-job="${j.id}">${jobLink(j.id)} <strong>${j.plugin}</strong> ${j.command} ${statusBadge(j.status)}</span>`;
}

function childItems(nodes: readonly TraceNode[]): Html {
  return html`${nodes.map((n) => {
    const r = n.route;
    const edge = html`<span class="edge">${n.event.type} →</span>`;
    let body: Html;
    if (n.job !== null) body = nodeLabel(n.job, false);
    else if (r.job_id !== null)
      body = html`${jobLink(r.job_id)} <strong>${r.to}</strong> <span class="rel">(pruned)</span>`;
    else if (r.duplicate_of !== null)
      body = html`<strong>${r.to}</strong>: not enqueued, duplicate of ${jobLink(r.duplicate_of)}`;
    else body = html`<strong>${r.to}</strong>: dropped${r.dropped ? html` (${r.dropped})` : ""}`;
    return html`<li>${edge} ${body}${n.children.length > 0 ? html`<ul>${childItems(n.children)}</ul>` : ""}</li>`;
  })}`;
}

/** Root → … → parent → this job → the jobs its events became, as nested lists. */
export function traceTree(job: JobSummary, tree: JobTree): Html {
  let inner = html`<li class="self">${nodeLabel(job, true)}${
    tree.children.length > 0 ? html`<ul>${childItems(tree.children)}</ul>` : ""
  }${tree.children_truncated ? html`<ul><li class="rel">… more below (see the child jobs)</li></ul>` : ""}</li>`;
  for (let i = tree.ancestors.length - 1; i >= 0; i--) {
    const a = tree.ancestors[i] as JobSummary;
    inner = html`<li>${nodeLabel(a, false)}<ul>${inner}</ul></li>`;
  }
  const pruned = tree.ancestors_truncated
    ? html`<p class="hint">The chain starts further up: an ancestor was pruned by retention.</p>`
    : "";
  return html`<section><h2>Trace</h2>${pruned}<ul class="tree" id="trace">${inner}</ul></section>`;
}

function attemptRows(attempts: readonly AttemptView[], nowMs: number): Html {
  return html`${attempts.map((a) => {
    const tail = stderrTail(a.stderr);
    const exit = a.signal !== null ? `signal ${a.signal}` : a.exit_code === null ? "–" : String(a.exit_code);
    const err = a.error === null ? null : truncate(a.error, 1000);
    return html`<tr data-attempt="${a.attempt}" data-status="${a.status}">
<td class="num">${a.attempt}</td><td>${statusBadge(a.status)}</td><td>${utc(a.started_at, nowMs)}</td>
<td class="num">${a.duration_ms === null ? "–" : duration(a.duration_ms)}</td><td>${exit}</td>
<td class="err">${err === null ? "" : html`${err.text}${err.cut > 0 ? "…" : ""}`}${a.retryable === false ? html` <span class="rel">(not retryable)</span>` : ""}</td>
</tr>${
      a.stderr.length > 0
        ? html`<tr class="stderr"><td></td><td colspan="5"><details data-key="stderr-${a.attempt}"${a.status !== "succeeded" ? html` open` : ""}><summary>stderr${a.stderr_truncated ? ` (last part kept: ${a.stderr_bytes_dropped} earlier bytes dropped while running)` : ""}${tail.hidden > 0 ? ` (showing the last ${STDERR_CHARS} characters; ${tail.hidden} more in \`postern jobs show\`)` : ""}</summary><pre>${tail.text}</pre></details></td></tr>`
        : ""
    }`;
  })}`;
}

function eventsTable({ events, total }: { events: readonly EventSummary[]; total: number }): Html {
  if (events.length === 0) return html`<p class="empty">No events emitted.</p>`;
  const more =
    total > events.length
      ? html`<p class="empty">${total - events.length} more events not shown (${total} in all); <code>postern jobs show</code> lists them.</p>`
      : html``;
  return html`<table id="events"><thead><tr><th>event</th><th>type</th><th>dedupe key</th><th>became</th></tr></thead><tbody>
${events.map(
  (
    e,
  ) => html`<tr data-event="${e.event_id}"><td><code>${e.event_id}</code></td><td>${e.type}</td><td>${e.dedupe_key ?? ""}</td>
<td>${e.dropped ? html`dropped: ${e.dropped}` : e.routes.length === 0 ? html`<span class="rel">no route</span>` : ""}${e.routes.map(
    (r) =>
      html`<div>→ <strong>${r.to}</strong> ${r.job_id !== null ? jobLink(r.job_id) : r.duplicate_of !== null ? html`duplicate of ${jobLink(r.duplicate_of)}` : html`dropped${r.dropped ? html` (${r.dropped})` : ""}`}</div>`,
  )}</td></tr>`,
)}
</tbody></table>${more}`;
}

export function jobMain(d: JobDetailData): Html {
  const j = d.job;
  const field = (k: string, v: Html | string | number | null) =>
    html`<dt>${k}</dt><dd>${v === null ? html`<span class="none">–</span>` : v}</dd>`;
  return html`<h1>Job <code id="job-id">${j.id}</code></h1>
<dl class="fields">
${field("plugin", html`<a href="${pluginHref(j.plugin)}">${j.plugin}</a>`)}
${field("command", j.command)}
${field("status", statusBadge(j.status))}
${field("attempt", `${j.attempt} of ${j.max_attempts}`)}
${field("submitted by", j.submitted_by)}
${field("dedupe key", j.dedupe_key)}
${field("created", utc(j.created_at, d.nowMs))}
${field("started", utc(j.started_at, d.nowMs))}
${field("finished", utc(j.completed_at, d.nowMs))}
${j.next_retry_at ? field("next retry", utc(j.next_retry_at, d.nowMs)) : ""}
${field("last error", j.last_error === null ? null : html`<span class="err">${truncate(j.last_error, 2000).text}</span>`)}
${field("parent", j.parent_job_id === null ? null : jobLink(j.parent_job_id))}
${field("source event", j.source_event_id === null ? null : html`<code>${j.source_event_id}</code>`)}
</dl>
${traceTree(j, d.tree)}
<section><h2>Attempts</h2>
${
  d.attempts.length === 0
    ? html`<p class="empty">No attempts yet${j.status === "queued" ? " (queued)" : ""}.</p>`
    : html`<table id="attempts"><thead><tr><th class="num">#</th><th>status</th><th>started</th><th class="num">duration</th><th>exit</th><th>error</th></tr></thead><tbody>
${attemptRows(d.attempts, d.nowMs)}
</tbody></table>`
}
</section>
<section><h2>Events emitted</h2>
${eventsTable(d.events)}
</section>`;
}
