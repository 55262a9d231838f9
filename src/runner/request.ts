/** Builds the protocol v1 request for one attempt (docs/plugins.md, "Request (stdin)"). */
import { isoUtc } from "../core/clock.js";
import type { PluginCommand } from "../plugins/types.js";
import { type PluginRequest, PROTOCOL_VERSION, type RequestEvent } from "../protocol/messages.js";

export function buildRequest(input: {
  jobId: string;
  command: PluginCommand;
  attempt: number;
  config: Record<string, unknown>;
  state: Record<string, unknown>;
  event?: RequestEvent | null;
  nowMs: number;
  timeoutMs: number;
}): PluginRequest {
  const request: PluginRequest = {
    protocol: PROTOCOL_VERSION,
    job_id: input.jobId,
    command: input.command,
    attempt: input.attempt,
    config: input.config,
    state: input.state,
    deadline_at: isoUtc(input.nowMs + input.timeoutMs),
  };
  if (input.command === "handle" && input.event) request.event = input.event;
  return request;
}
