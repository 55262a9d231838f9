/**
 * The frame every dashboard page shares: navigation, the refresh status line and the one
 * stylesheet and script (no inline style or script: the Content-Security-Policy forbids both).
 * Everything that changes between refreshes is inside <main>; the script swaps only that.
 */
import { type Html, html } from "./html.js";

export type Section = "overview" | "plugins" | "jobs";

export interface PageInput {
  title: string;
  section: Section | null;
  /** Service name from the config (service.name): tells several daemons' tabs apart. */
  service: string;
  nowMs: number;
  main: Html;
  /** Shown above <main> and left alone by the auto-refresh (the jobs filter form). */
  above?: Html;
  /** The page's own URL (path and query), for the manual refresh link. */
  self: string;
  /** `/assets/<name>?v=<hash>` for each asset. */
  asset: (name: string) => string;
}

const NAV: [Section, string, string][] = [
  ["overview", "/", "Overview"],
  ["plugins", "/plugins", "Plugins"],
  ["jobs", "/jobs", "Jobs"],
];

export function page(p: PageInput): Html {
  const generated = new Date(p.nowMs).toISOString();
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${p.title} · ${p.service} · Postern</title>
<link rel="icon" href="${p.asset("favicon.svg")}" type="image/svg+xml">
<link rel="stylesheet" href="${p.asset("dashboard.css")}">
<script src="${p.asset("dashboard.js")}" defer></script>
</head>
<body>
<header class="top">
<span class="brand">Postern <span class="service">${p.service}</span></span>
<nav>${NAV.map(([key, href, label]) => html`<a href="${href}"${key === p.section ? html` aria-current="page"` : ""}>${label}</a>`)}</nav>
<span class="status"><span id="refreshed" data-generated="${generated}">generated ${generated.slice(11, 19)}Z</span>
<a class="refresh" href="${p.self}">refresh</a></span>
</header>
<noscript><p class="note">JavaScript is off: the page does not update itself; use “refresh”.</p></noscript>
${p.above ?? ""}
<main id="main" data-generated="${generated}">
${p.main}
</main>
<footer>Read-only. Times are UTC. Retry, cancel and reset are CLI commands (<code>postern jobs retry</code>, <code>postern jobs cancel</code>, <code>postern reset</code>).</footer>
</body>
</html>
`;
}

/** A whole page for an error (404 unknown job, 400 bad filter, 405 method). */
export function errorPage(
  p: Omit<PageInput, "main"> & { code: number; heading: string; detail: Html | string },
): Html {
  return page({
    ...p,
    main: html`<section class="error"><h1>${p.code} ${p.heading}</h1><p>${p.detail}</p>
<p><a href="/">Back to the overview</a></p></section>`,
  });
}
