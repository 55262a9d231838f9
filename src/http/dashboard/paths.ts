/**
 * Which request paths belong to the dashboard, and the metrics label of each (a fixed set, so
 * job ids, plugin names and asset names never mint new series). Tiny on purpose: the listener
 * imports it on every request, the rest of the dashboard only when one of these paths is asked for.
 * config/fields.ts reserves the same paths for webhook endpoints.
 */
export type DashboardLabel = "/" | "/plugins" | "/plugins/:name" | "/jobs" | "/jobs/:id" | "/assets";

export function dashboardLabel(path: string): DashboardLabel | null {
  if (path === "/" || path === "/plugins" || path === "/jobs") return path;
  if (path.startsWith("/plugins/")) return "/plugins/:name";
  if (path.startsWith("/jobs/")) return "/jobs/:id";
  if (path.startsWith("/assets/")) return "/assets";
  return null;
}
