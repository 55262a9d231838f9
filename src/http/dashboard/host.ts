/**
 * Which Host headers the dashboard answers to. Without this check a web page the operator
 * visits could use DNS rebinding (its own name re-pointed at 127.0.0.1) to read the dashboard
 * through the operator's browser: the browser sends the attacker's name as Host, so a page
 * served only to loopback names and the names the operator listed cannot be read that way.
 * Webhooks, /healthz and /metrics are not affected (they carry no browser-readable secrets).
 */
import { isLoopback } from "../request.js";

/** The host part of a Host header, lower-cased, without port or trailing dot; IPv6 keeps brackets. */
export function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  const name = h.startsWith("[") ? h.slice(0, h.indexOf("]") + 1) : h.replace(/:\d*$/, "");
  return name.endsWith(".") ? name.slice(0, -1) : name;
}

export function dashboardHostAllowed(
  header: string | undefined,
  opts: { allowedHosts: readonly string[]; listenHost: string },
): boolean {
  // No Host (HTTP/1.0, a script): not a browser, so not a rebinding attack.
  if (header === undefined || header.trim() === "") return true;
  const name = hostName(header);
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  const literal = name.startsWith("[") ? name.slice(1, -1) : name;
  if (/^[0-9.]+$/.test(literal) || literal.includes(":")) {
    if (isLoopback(literal)) return true;
  }
  const listen = opts.listenHost.toLowerCase();
  if (listen !== "0.0.0.0" && listen !== "::" && (literal === listen || name === listen)) return true;
  return opts.allowedHosts.includes(name);
}
