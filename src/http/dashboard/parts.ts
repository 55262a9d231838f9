/** Small pieces several pages share. */
import { shortId } from "./format.js";
import { type Html, html } from "./html.js";

export function jobLink(id: string): Html {
  return html`<a class="job" href="/jobs/${encodeURIComponent(id)}" title="${id}"><code>${shortId(id)}</code></a>`;
}

/** The plugin page (`postern why` in the browser) of a plugin. */
export function pluginHref(name: string): string {
  return `/plugins/${encodeURIComponent(name)}`;
}

const BADGE: Record<string, string> = {
  succeeded: "ok",
  ok: "ok",
  closed: "ok",
  queued: "wait",
  running: "run",
  half_open: "warn",
  failed: "bad",
  timed_out: "bad",
  dead: "bad",
  open: "bad",
  refused: "bad",
  unhealthy: "bad",
  disabled: "off",
  paused: "warn",
  missed: "bad",
};

export function statusBadge(status: string): Html {
  return html`<span class="badge ${BADGE[status] ?? "off"}">${status.replace("_", "-")}</span>`;
}
