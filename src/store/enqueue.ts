/** Submitting work (docs/jobs.md, "Dedupe"): dedupe check and insert in one write transaction. */
import { isoUtc } from "../core/clock.js";
import type { DedupeHit } from "../core/dedupe.js";
import { PosternError } from "../core/errors.js";
import { type StoreConnection, writeTx } from "./connection.js";
import type { NewJobRow } from "./jobs.js";
import { type Job, type SubmittedBy, toJob } from "./types.js";

export interface EnqueueInput {
  plugin: string;
  command: string;
  payload: unknown;
  submittedBy: SubmittedBy;
  dedupeKey?: string | null;
  maxAttempts: number;
  parentJobId?: string | null;
  sourceEventId?: string | null;
  routeDepth?: number;
}

/** The job enqueued, or the dedupe hit (docs/jobs.md, "Dedupe") that stands for it. */
export type EnqueueResult = { job: Job } | DedupeHit;

export function enqueueJob(
  ctx: StoreConnection,
  input: EnqueueInput,
  opts: { dedupeTtlMs: number },
): EnqueueResult {
  const payload = serializePayload(input.payload);
  return writeTx(ctx, () => enqueueOne(ctx, input, payload, ctx.clock.now(), opts.dedupeTtlMs));
}

/**
 * Group commit (docs/performance.md, "Group commit"): every input in one write transaction, one
 * fsync, results in input order. Each input is checked for dedupe after the ones before it were
 * inserted, so two inputs with one key in a batch give one job and a hit on it, exactly as two
 * transactions would. Any failure rolls the whole batch back: nothing of it was queued.
 */
export function enqueueJobs(
  ctx: StoreConnection,
  inputs: readonly EnqueueInput[],
  opts: { dedupeTtlMs: number },
): EnqueueResult[] {
  const payloads = inputs.map((input) => serializePayload(input.payload));
  return writeTx(ctx, () => {
    const now = ctx.clock.now();
    return inputs.map((input, i) => enqueueOne(ctx, input, payloads[i] as string, now, opts.dedupeTtlMs));
  });
}

/** Inside a write transaction. */
function enqueueOne(
  ctx: StoreConnection,
  input: EnqueueInput,
  payload: string,
  now: number,
  dedupeTtlMs: number,
): EnqueueResult {
  const key = input.dedupeKey ?? null;
  const hit = ctx.dedupe.check(input.plugin, input.command, key, now, dedupeTtlMs);
  if (hit !== null) return hit;
  return { job: toJob(ctx.jobs.insert(newJobRow(ctx, input, payload, isoUtc(now)))) };
}

function newJobRow(ctx: StoreConnection, input: EnqueueInput, payload: string, nowIso: string): NewJobRow {
  return {
    id: ctx.newId(),
    plugin: input.plugin,
    command: input.command,
    payload,
    max_attempts: input.maxAttempts,
    submitted_by: input.submittedBy,
    dedupe_key: input.dedupeKey ?? null,
    created_at: nowIso,
    parent_job_id: input.parentJobId ?? null,
    source_event_id: input.sourceEventId ?? null,
    route_depth: input.routeDepth ?? 0,
  };
}

export function serializePayload(payload: unknown): string {
  const text = JSON.stringify(payload ?? null);
  if (text === undefined) throw new PosternError("bad_payload", "job payload is not JSON-serializable");
  return text;
}

/**
 * `jobs retry`: the dead job stays as it is (its history is the point) and a new job repeats
 * its work. The operator asked explicitly, so dedupe does not block it; the key is kept so the
 * retry itself blocks later duplicates once it succeeds.
 */
export function retryDeadJob(ctx: StoreConnection, id: string, opts: { maxAttempts?: number } = {}): Job {
  return writeTx(ctx, () => {
    const dead = ctx.jobs.byId(id);
    if (dead === null) throw jobNotFound(id);
    if (dead.status !== "dead") {
      throw new PosternError("job_not_dead", `job ${id} is ${dead.status}; only a dead job can be retried`);
    }
    const row = ctx.jobs.insert({
      id: ctx.newId(),
      plugin: dead.plugin,
      command: dead.command,
      payload: dead.payload,
      max_attempts: opts.maxAttempts ?? dead.max_attempts,
      submitted_by: "cli",
      dedupe_key: dead.dedupe_key,
      created_at: isoUtc(ctx.clock.now()),
      parent_job_id: dead.id,
      source_event_id: dead.source_event_id,
      route_depth: dead.route_depth,
    });
    return toJob(row);
  });
}

export function jobNotFound(id: string): PosternError {
  return new PosternError("job_not_found", `no job with id ${id}`);
}
