/**
 * A listen address already in use (issue 15): the bare EADDRINUSE tells a new user neither what
 * to change nor who is in the way. The one holder we can recognise reliably, without privileges
 * or platform tricks, is another Postern daemon: it answers GET /healthz with the shape of
 * docs/webhooks.md. Anything else is "another program".
 */
import { request } from "node:http";
import { formatDuration } from "../core/units.js";
import { formatHost } from "./request.js";

/** What another Postern daemon's /healthz says about itself. */
export interface PosternHolder {
  uptimeSeconds: number;
  queueDepth: number | null;
}

const PROBE_TIMEOUT_MS = 1000;
/** A /healthz body is a few hundred bytes; anything far larger is not ours. */
const MAX_BODY = 16 * 1024;

/** Asks `GET /healthz` on the busy address; null unless it answers as a Postern daemon does. */
export function probePostern(
  host: string,
  port: number,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<PosternHolder | null> {
  return new Promise((resolve) => {
    const req = request({
      host: connectHost(host),
      port,
      path: "/healthz",
      method: "GET",
      agent: false,
      timeout: timeoutMs,
    });
    const done = (holder: PosternHolder | null) => {
      resolve(holder);
      req.destroy();
    };
    req.on("timeout", () => done(null));
    req.on("error", () => done(null));
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) done(null);
        else chunks.push(c);
      });
      res.on("error", () => done(null));
      res.on("end", () =>
        done(res.statusCode === 200 || res.statusCode === 503 ? parseHealth(Buffer.concat(chunks)) : null),
      );
    });
    req.end();
  });
}

/** The wildcard addresses cannot be connected to: ask the loopback address of the same family. */
function connectHost(host: string): string {
  if (host === "0.0.0.0" || host === "") return "127.0.0.1";
  if (host === "::") return "::1";
  return host;
}

function parseHealth(body: Buffer): PosternHolder | null {
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    return null;
  }
  if (typeof json !== "object" || json === null) return null;
  const h = json as Record<string, unknown>;
  const looksLikePostern =
    (h.status === "ok" || h.status === "degraded") &&
    typeof h.uptime_seconds === "number" &&
    typeof h.plugins_loaded === "number" &&
    "queue_depth" in h &&
    "plugins_circuit_open" in h;
  if (!looksLikePostern) return null;
  return {
    uptimeSeconds: h.uptime_seconds as number,
    queueDepth: typeof h.queue_depth === "number" ? h.queue_depth : null,
  };
}

/** The refusal for a listen address that is taken: who holds it, and what to change. */
export function addressInUseMessage(
  host: string,
  port: number,
  configFile: string,
  holder: PosternHolder | null,
): string {
  const where = `${formatHost(host)}:${port}`;
  const change = `change webhooks.listen in ${configFile} to a free port`;
  if (holder === null) {
    return `cannot listen on ${where} (webhooks.listen): EADDRINUSE: another program is listening there; ${change}, or stop that program (e.g. \`ss -ltnp 'sport = :${port}'\` names it)`;
  }
  const queue = holder.queueDepth === null ? "" : `, ${holder.queueDepth} jobs queued`;
  return (
    `cannot listen on ${where} (webhooks.listen): EADDRINUSE: another Postern daemon is listening there ` +
    `(its /healthz answers: up ${uptime(holder.uptimeSeconds)}${queue}); ` +
    `${change}, or stop that daemon`
  );
}

function uptime(seconds: number): string {
  return seconds < 1 ? "0s" : formatDuration(Math.floor(seconds) * 1000);
}
