/**
 * The listener's timeouts (docs/webhooks.md), chosen for a loopback listener that a reverse proxy or a
 * webhook sender talks to. docs/webhooks.md explains each value.
 */
import { PosternError } from "../core/errors.js";

export interface HttpTimeouts {
  /** All request headers must arrive within this (slow-headers attacks). */
  headersMs: number;
  /** The whole body must arrive within this after the headers, else 408. */
  bodyMs: number;
  /** Node's own backstop for the whole request; ours fire first. */
  requestMs: number;
  /**
   * Idle keep-alive connections are closed after this. Longer than the 60 s idle timeout of
   * nginx upstream keep-alive and common load balancers, so the proxy, not us, closes first:
   * otherwise it may reuse a socket we are closing and turn a webhook into a 502.
   */
  keepAliveMs: number;
  /** How often Node checks headers/request timeouts (it bounds their precision). */
  checkIntervalMs: number;
}

export const DEFAULT_BODY_TIMEOUT_MS = 10_000;

export function httpTimeouts(env: Record<string, string | undefined>): HttpTimeouts {
  const bodyMs = bodyTimeoutFromEnv(env) ?? DEFAULT_BODY_TIMEOUT_MS;
  const headersMs = 10_000;
  return {
    headersMs,
    bodyMs,
    requestMs: headersMs + bodyMs + 5_000,
    keepAliveMs: 65_000,
    checkIntervalMs: 2_000,
  };
}

/** Test knob (like POSTERN_KILL_GRACE_MS): the body read timeout in ms. */
function bodyTimeoutFromEnv(env: Record<string, string | undefined>): number | null {
  const raw = env["POSTERN_BODY_TIMEOUT_MS"];
  if (raw === undefined || raw === "") return null;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new PosternError("usage", "POSTERN_BODY_TIMEOUT_MS must be a whole number of milliseconds >= 1");
  }
  return n;
}
