/**
 * One request in, one response out, as a pure-ish function: no stdin, no stdout, no exit. The
 * process wrapper (`definePlugin`) and in-process tests both go through here, so what a test
 * sees is exactly what the core would read.
 */

import { type LogEntry, PROTOCOL_VERSION, requestSchema } from "../protocol/messages.js";
import { validateResponse } from "../protocol/parse.js";
import { deadlineSignal } from "./deadline.js";
import { EX_DATAERR, PluginError } from "./errors.js";
import type {
  Context,
  HandleContext,
  Handlers,
  JsonObject,
  Logger,
  Outcome,
  PluginOptions,
  PluginRequest,
  PluginResult,
} from "./types.js";

function errorResponse(message: string, retry: boolean, logs: LogEntry[]): JsonObject {
  const response: JsonObject = { protocol: PROTOCOL_VERSION, status: "error", error: message, retry };
  if (logs.length > 0) response.logs = logs;
  return response;
}

function parseRequest(input: string): { ok: true; request: PluginRequest } | { ok: false; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(input);
  } catch (e) {
    return { ok: false, error: `invalid request: stdin is not JSON (${(e as Error).message})` };
  }
  const parsed = requestSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    return { ok: false, error: `invalid request: ${where}${issue?.message ?? "does not match protocol v1"}` };
  }
  if (Number.isNaN(Date.parse(parsed.data.deadline_at)))
    return { ok: false, error: `invalid request: deadline_at ${parsed.data.deadline_at} is not a date` };
  return { ok: true, request: parsed.data };
}

function collector(into: LogEntry[]): Logger {
  const add = (level: LogEntry["level"]) => (message: string) => {
    into.push({ level, message: String(message) });
  };
  return { debug: add("debug"), info: add("info"), warn: add("warn"), error: add("error") };
}

function okResponse(result: PluginResult | undefined, logs: LogEntry[]): JsonObject {
  const response: JsonObject = { protocol: PROTOCOL_VERSION, status: "ok" };
  if (result?.events !== undefined) response.events = result.events;
  if (result?.state_updates !== undefined) response.state_updates = result.state_updates;
  if (result?.state_replace !== undefined) response.state_replace = result.state_replace;
  const all = [...logs, ...(result?.logs ?? [])];
  if (all.length > 0) response.logs = all;
  return response;
}

/**
 * The core would call a malformed response a protocol error and keep nothing of it, not even
 * the logs; checking here with the core's own validator turns it into a readable failure.
 */
function checked(response: JsonObject, logs: LogEntry[]): JsonObject {
  let roundTripped: unknown;
  try {
    roundTripped = JSON.parse(JSON.stringify(response));
  } catch (e) {
    return errorResponse(
      `the handler returned something that is not JSON: ${(e as Error).message}`,
      false,
      logs,
    );
  }
  const valid = validateResponse(roundTripped);
  if (!valid.ok) return errorResponse(`the handler returned an invalid result: ${valid.error}`, false, logs);
  return roundTripped as JsonObject;
}

export function describeThrown(thrown: unknown, signal?: AbortSignal): { message: string; retry: boolean } {
  if (thrown instanceof PluginError) return { message: thrown.message, retry: thrown.retry };
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  // Work cut short by the deadline signal fails with the library's own AbortError: say why.
  if (signal?.aborted && signal.reason instanceof Error && thrown !== signal.reason)
    return { message: `${signal.reason.message} (${message})`, retry: true };
  return { message, retry: true };
}

export async function respond(
  handlers: Handlers,
  input: string,
  options: PluginOptions = {},
): Promise<Outcome> {
  const logs: LogEntry[] = [];
  const parsed = parseRequest(input);
  if (!parsed.ok) return { response: errorResponse(parsed.error, false, logs), exitCode: EX_DATAERR };
  const request = parsed.request;

  const handler = handlers[request.command];
  if (handler === undefined)
    return {
      response: errorResponse(`this plugin has no handler for "${request.command}"`, false, logs),
      exitCode: 0,
    };
  if (request.command === "handle" && request.event === undefined)
    return { response: errorResponse("handle request without an event", false, logs), exitCode: 0 };

  const now = options.now ?? Date.now;
  const deadlineMs = Date.parse(request.deadline_at);
  const timer = deadlineSignal(deadlineMs, now(), options.deadlineMarginMs);
  const ctx: Context = {
    command: request.command,
    config: request.config,
    state: request.state,
    attempt: request.attempt,
    jobId: request.job_id,
    deadline: new Date(deadlineMs),
    signal: timer.signal,
    log: collector(logs),
    request,
  };
  if (request.event !== undefined) (ctx as HandleContext).event = request.event;

  try {
    const result = await (handler as (c: Context) => Promise<PluginResult | undefined>)(ctx);
    return { response: checked(okResponse(result ?? undefined, logs), logs), exitCode: 0 };
  } catch (thrown) {
    const { message, retry } = describeThrown(thrown, timer.signal);
    if (!(thrown instanceof PluginError) && thrown instanceof Error && thrown.stack)
      // Unexpected failures are bugs: the stack goes to stderr, which the core keeps.
      process.stderr.write(`${thrown.stack}\n`);
    const exitCode = thrown instanceof PluginError ? thrown.exitCode : 0;
    if (exitCode !== 0) process.stderr.write(`${message}\n`);
    return { response: errorResponse(message, retry, logs), exitCode };
  } finally {
    timer.dispose();
  }
}
