/** Small facts about a request and an address that routing and logging need. */
import type { IncomingMessage } from "node:http";

/** Path and query of an origin-form target (or an absolute-form one, as proxies may send). */
export function splitTarget(target: string): { path: string; search: string } {
  if (!target.startsWith("/")) {
    try {
      const url = new URL(target);
      return { path: url.pathname, search: url.search.slice(1) };
    } catch {
      return { path: "", search: "" };
    }
  }
  const q = target.indexOf("?");
  return q === -1 ? { path: target, search: "" } : { path: target.slice(0, q), search: target.slice(q + 1) };
}

/** Whether a body follows the headers (so answering without reading it must close). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

/** The bound address is loopback-only (no WARN needed). */
export function isLoopback(address: string): boolean {
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  return v4.startsWith("127.") || address === "::1";
}

/** Brackets around an IPv6 literal, for URLs and messages. */
export function formatHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}
