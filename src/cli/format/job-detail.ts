/**
 * `jobs show` for people: enough to answer "what happened, and why?" without --json. Fields,
 * every attempt, the events the job emitted and the jobs they became, and its lineage.
 */
import { stringifyBounded } from "../../core/json-depth.js";
import type { EventView, Job, JobDetail } from "../../store/index.js";
import { attemptBody, attemptSummary } from "./attempt.js";
import { firstLines, indent } from "./text.js";
import { absolute, relative } from "./time.js";

/** Finds a job the detail points at (routed jobs, duplicates), or null once pruned. */
export type JobLookup = (id: string) => Job | null;

const PAYLOAD_LINES = 20;

export function renderJobDetail(d: JobDetail, lookup: JobLookup, nowMs: number): string {
  return [
    ...fields(d, nowMs),
    "",
    ...attempts(d, nowMs),
    "",
    ...events(d.events, lookup),
    "",
    ...chain(d, lookup),
  ].join("\n");
}

function fields(d: JobDetail, nowMs: number): string[] {
  const rows: [string, string][] = [
    ["status", statusLine(d, nowMs)],
    ["submitted_by", d.submitted_by],
    ["dedupe_key", d.dedupe_key ?? "-"],
    ["created_at", absolute(d.created_at, nowMs)],
    ["started_at", absolute(d.started_at, nowMs)],
    ["completed_at", absolute(d.completed_at, nowMs)],
    ["next_retry_at", absolute(d.next_retry_at, nowMs)],
    ["last_error", d.last_error ?? "-"],
    ["parent_job_id", d.parent_job_id ?? "-"],
    ["source_event_id", d.source_event_id ?? "-"],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const payload = firstLines(stringifyBounded(d.payload, 2) ?? "null", PAYLOAD_LINES);
  return [
    `job ${d.id}  ${d.plugin} ${d.command}`,
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
    `  ${"payload".padEnd(width)}  ${payload.lines[0] ?? ""}`,
    ...indent(payload.lines.slice(1), `  ${" ".repeat(width)}  `),
    ...(payload.omitted > 0 ? [`  ${" ".repeat(width)}  … ${payload.omitted} more lines (--json)`] : []),
  ];
}

function statusLine(d: Job, nowMs: number): string {
  const of = `attempt ${d.attempt} of ${d.max_attempts}`;
  switch (d.status) {
    case "queued":
      return d.next_retry_at === null
        ? `queued, waiting for the dispatcher (${of})`
        : `queued for a retry ${relative(d.next_retry_at, nowMs)} (${of})`;
    case "running":
      return `running (${of})`;
    case "succeeded":
      return `succeeded (${of})`;
    case "dead":
      return `dead (after ${of}; it will not run again: \`postern jobs retry ${d.id}\` re-runs it)`;
  }
}

function attempts(d: JobDetail, nowMs: number): string[] {
  if (d.attempts.length === 0) return ["attempts: none yet"];
  const out = [`attempts (${d.attempts.length})`];
  for (const a of d.attempts) {
    out.push(`  #${a.attempt}  ${attemptSummary(a)}`);
    out.push(`      started ${absolute(a.started_at, nowMs)}, completed ${a.completed_at}`);
    out.push(...indent(attemptBody(a), "      "));
  }
  return out;
}

function events(evs: readonly EventView[], lookup: JobLookup): string[] {
  if (evs.length === 0) return ["events: none emitted"];
  const out = [`events (${evs.length})`];
  for (const ev of evs) {
    const key = ev.dedupe_key === null ? "" : `  dedupe_key ${ev.dedupe_key}`;
    out.push(`  ${ev.type}  event ${ev.event_id}${key}`);
    if (ev.routes.length === 0) out.push("    no route matched (recorded, not an error)");
    for (const r of ev.routes) {
      if (r.dropped !== null) out.push(`    → ${r.to}: dropped (${r.dropped})`);
      else if (r.duplicate_of !== null) {
        out.push(
          `    → ${r.to}: not enqueued, duplicate of ${r.duplicate_of} (${statusOf(r.duplicate_of, lookup)})`,
        );
      } else if (r.job_id !== null)
        out.push(`    → ${r.to}: job ${r.job_id} (${statusOf(r.job_id, lookup)})`);
    }
  }
  return out;
}

function statusOf(id: string, lookup: JobLookup): string {
  return lookup(id)?.status ?? "pruned";
}

/** How a job came from its parent: a route of an event, or an operator's retry. */
function link(j: Job): string {
  if (j.submitted_by === "route") {
    const type = (j.payload as { type?: unknown } | null)?.type;
    return typeof type === "string" ? `via event ${type}` : "via an event";
  }
  return j.submitted_by === "cli" ? "retry by operator" : `from ${j.submitted_by}`;
}

function chain(d: JobDetail, lookup: JobLookup): string[] {
  const lineage = [...d.parent_chain].reverse();
  const root = lineage[0] ?? d;
  const out = ["chain (root first)"];
  if (root.parent_job_id !== null) {
    out.push(`  … older ancestors pruned (job_log_retention); oldest known parent: ${root.parent_job_id}`);
  }
  const nodes = [...lineage, d];
  nodes.forEach((j, depth) => {
    const here = j === d ? "  ← this job" : "";
    const via = depth === 0 ? `submitted by ${j.submitted_by}` : link(j);
    out.push(`  ${branch(depth)}${j.id}  ${j.plugin} ${j.command}  ${j.status}  (${via})${here}`);
  });
  const children = d.events.flatMap((ev) => ev.routed_to);
  children.forEach((id, i) => {
    const child = lookup(id);
    const what =
      child === null ? "(pruned)" : `${child.plugin} ${child.command}  ${child.status}  (${link(child)})`;
    out.push(`  ${branch(nodes.length, i < children.length - 1)}${id}  ${what}`);
  });
  if (nodes.length === 1 && children.length === 0) out.push(`  (no parent and no downstream jobs)`);
  return out;
}

/** Tree drawing: `more` marks a node with siblings still to come below it. */
function branch(depth: number, more = false): string {
  return depth === 0 ? "" : `${"   ".repeat(depth - 1)}${more ? "├─" : "└─"} `;
}
