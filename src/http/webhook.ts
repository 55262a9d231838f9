/**
 * One webhook request through docs/webhooks.md steps 2–6: cap → read → verify → parse → enqueue →
 * answer. The answer is computed here and written by the listener; a 202 or 200 is only ever
 * produced after `submit` resolved, i.e. after the transaction holding the job committed (the
 * listener's group commit may hold several requests' jobs: docs/performance.md, "Group commit").
 */
import type { IncomingMessage } from "node:http";
import type { WebhookEndpoint } from "../config/types.js";
import type { Clock } from "../core/clock.js";
import { describeDuplicate } from "../core/dedupe.js";
import type { Logger } from "../log/logger.js";
import type { EnqueueInput, EnqueueResult } from "../store/index.js";
import { readBody } from "./body.js";
import { mediaType } from "./content-type.js";
import { buildEvent, decodeBody, dedupeKey, eventHeaders } from "./event.js";
import type { RejectionSink } from "./rejections.js";
import { presetAnswer, signatureHeaders, verifyDelivery } from "./verify.js";

export interface Answer {
  code: number;
  /** JSON-encoded unless a string; absent means an empty body. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Close the connection after answering (the body was not, or not fully, read). */
  close?: boolean;
}

export interface WebhookDeps {
  clock: Clock;
  log: Logger;
  /** Resolves after the commit holding the job; `bytes` (the body's size) bounds the batch. */
  submit: (input: EnqueueInput, bytes: number) => Promise<EnqueueResult>;
  maxAttempts: (plugin: string) => number;
  newId: () => string;
  bodyTimeoutMs: number;
  /** Every refusal after routing (403, 413, 408, 400) is recorded here (docs/webhooks.md). */
  rejections: RejectionSink;
  /** Which configured secret (by index) a verified delivery matched: the rotation metric. */
  secretMatched: (path: string, index: number) => void;
}

export async function handleWebhook(
  deps: WebhookDeps,
  endpoint: WebhookEndpoint,
  req: IncomingMessage,
  search: string,
  sendContinue: (() => void) | null,
): Promise<Answer | null> {
  const log = deps.log.child({ plugin: endpoint.plugin, path: endpoint.path });
  const remote = req.socket.remoteAddress;
  const declared = req.headers["content-length"];
  // Refused before a byte is read: the sender said how much it would send.
  if (declared !== undefined && Number(declared) > endpoint.max_body_size) {
    log.info(
      { remote, content_length: Number(declared) },
      `413: Content-Length over ${endpoint.max_body_size}`,
    );
    deps.rejections.record(endpoint, "too_large", remote);
    return { code: 413, body: { error: "body too large" }, close: true };
  }
  sendContinue?.();

  const read = await readBody(req, { limit: endpoint.max_body_size, timeoutMs: deps.bodyTimeoutMs });
  if (read.kind === "too_large") {
    log.info({ remote }, `413: body passed max_body_size (${endpoint.max_body_size} bytes); reading stopped`);
    deps.rejections.record(endpoint, "too_large", remote);
    return { code: 413, body: { error: "body too large" }, close: true };
  }
  if (read.kind === "timeout") {
    log.info({ remote, received: read.received }, `408: body not complete within ${deps.bodyTimeoutMs} ms`);
    deps.rejections.record(endpoint, "body_timeout", remote);
    return { code: 408, body: { error: "body read timeout" }, close: true };
  }
  if (read.kind === "aborted") {
    log.debug({ remote, received: read.received }, "client went away before the body was complete");
    return null;
  }
  const body = read.body;

  const check = verifyDelivery(endpoint, req.headers, body, deps.clock.now());
  if (!check.ok) {
    log.warn({ remote, reason: check.reason }, `403: ${check.detail} (provider ${endpoint.provider})`);
    deps.rejections.record(endpoint, check.reason, remote);
    return { code: 403 };
  }
  deps.secretMatched(endpoint.path, check.secretIndex);

  const contentType = req.headers["content-type"];
  const decoded = decodeBody(body, mediaType(contentType));
  if (!decoded.ok) {
    log.info({ remote, reason: decoded.reason }, `400: ${decoded.reason}`);
    deps.rejections.record(endpoint, "bad_json", remote);
    return { code: 400, body: { error: decoded.answer } };
  }

  const preset = presetAnswer(endpoint, decoded.payload);
  if (preset !== null) {
    log.info({ remote }, `${preset.code}: answered by the ${endpoint.provider} preset itself (no job)`);
    return preset;
  }

  const eventId = deps.newId();
  const headers = eventHeaders(req.rawHeaders, signatureHeaders(endpoint));
  const key = dedupeKey(endpoint, headers);
  const event = buildEvent({
    eventId,
    endpoint,
    nowMs: deps.clock.now(),
    payload: decoded.payload,
    headers,
    search,
    contentType,
  });
  let result: EnqueueResult;
  try {
    result = await deps.submit(
      {
        plugin: endpoint.plugin,
        command: "handle",
        payload: event,
        submittedBy: "webhook",
        dedupeKey: key,
        maxAttempts: deps.maxAttempts(endpoint.plugin),
        sourceEventId: eventId,
      },
      body.length,
    );
  } catch (e) {
    if (!isStoreFailure(e)) throw e;
    log.error(
      { remote, event_id: eventId, err: (e as Error).message, code: (e as { code?: string }).code },
      `503: the job could not be committed: ${(e as Error).message}`,
    );
    return { code: 503, body: { error: "could not queue the event; retry later" } };
  }
  if ("duplicateOf" in result) {
    log.info(
      {
        event_id: eventId,
        dedupe_key: key,
        duplicate_of: result.duplicateOf,
        duplicate_status: result.duplicateStatus,
      },
      `webhook not enqueued: dedupe key ${key} ${describeDuplicate(result.duplicateOf, result.duplicateStatus)}`,
    );
    return { code: 200, body: { duplicate_of: result.duplicateOf } };
  }
  log.info(
    { job_id: result.job.id, event_id: eventId, dedupe_key: key },
    `webhook accepted as job ${result.job.id}`,
  );
  return { code: 202, body: { job_id: result.job.id } };
}

/**
 * SQLite refusing the commit (busy past busy_timeout, disk full, I/O error, read-only file...):
 * nothing was queued, and the sender may well succeed later, so 503 rather than 500.
 */
function isStoreFailure(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_");
}
