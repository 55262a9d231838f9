/**
 * Jobs finished per hour over the last 24 hours: bucketing (pure, tested) and an inline SVG
 * stacked bar chart rendered on the server, so it needs no script and no external library.
 */
import type { HourCount } from "../../store/index.js";
import { type Html, html } from "./html.js";

export const HOURS = 24;
const HOUR_MS = 3_600_000;

export interface HourBucket {
  /** Start of the hour, ISO 8601 UTC. */
  start: string;
  succeeded: number;
  dead: number;
}

/** Start (epoch ms) of the oldest bucket: the chart's query reads from here. */
export function chartSince(nowMs: number): number {
  return Math.floor(nowMs / HOUR_MS) * HOUR_MS - (HOURS - 1) * HOUR_MS;
}

/** 24 hourly buckets, oldest first; the last one is the current (partial) hour. */
export function hourBuckets(rows: readonly HourCount[], nowMs: number): HourBucket[] {
  const first = chartSince(nowMs);
  const buckets: HourBucket[] = Array.from({ length: HOURS }, (_, i) => ({
    start: new Date(first + i * HOUR_MS).toISOString(),
    succeeded: 0,
    dead: 0,
  }));
  for (const r of rows) {
    const at = Date.parse(`${r.hour}:00:00.000Z`);
    const i = Math.floor((at - first) / HOUR_MS);
    const b = buckets[i];
    if (b === undefined) continue; // outside the window (a clock step back): not this chart's
    b[r.status] += r.n;
  }
  return buckets;
}

const W = 720;
const H = 160;
const PAD_BOTTOM = 22;
const PAD_TOP = 14;
const BAR_GAP = 4;

export function hourChart(buckets: readonly HourBucket[]): Html {
  const max = Math.max(1, ...buckets.map((b) => b.succeeded + b.dead));
  const slot = W / Math.max(1, buckets.length);
  const scale = (H - PAD_BOTTOM - PAD_TOP) / max;
  const total = buckets.reduce((n, b) => n + b.succeeded + b.dead, 0);
  const succeeded = buckets.reduce((n, b) => n + b.succeeded, 0);
  const dead = buckets.reduce((n, b) => n + b.dead, 0);
  const bars = buckets.map((b, i) => {
    const x = (i * slot + BAR_GAP / 2).toFixed(1);
    const w = (slot - BAR_GAP).toFixed(1);
    const hs = b.succeeded * scale;
    const hd = b.dead * scale;
    const base = H - PAD_BOTTOM;
    const label = `${b.start.slice(11, 16)}Z: ${b.succeeded} succeeded, ${b.dead} dead`;
    return html`<g class="bar" data-hour="${b.start}" data-succeeded="${b.succeeded}" data-dead="${b.dead}"><title>${label}</title>
<rect class="slot" x="${x}" y="${PAD_TOP}" width="${w}" height="${base - PAD_TOP}"></rect>
${hs > 0 ? html`<rect class="ok" x="${x}" y="${(base - hs).toFixed(1)}" width="${w}" height="${hs.toFixed(1)}"></rect>` : ""}
${hd > 0 ? html`<rect class="dead" x="${x}" y="${(base - hs - hd).toFixed(1)}" width="${w}" height="${hd.toFixed(1)}"></rect>` : ""}
</g>`;
  });
  const ticks = [0, 6, 12, 18, buckets.length - 1].filter((i) => i < buckets.length);
  const labels = ticks.map((i) => {
    const b = buckets[i] as HourBucket;
    const x = (i * slot + slot / 2).toFixed(1);
    return html`<text class="tick" x="${x}" y="${H - 6}" text-anchor="middle">${b.start.slice(11, 13)}h</text>`;
  });
  return html`<figure class="chart">
<svg id="jobs-chart" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="chart-title" preserveAspectRatio="none">
<title id="chart-title">Jobs finished per hour, last 24 hours (UTC): ${total} (${succeeded} succeeded, ${dead} dead)</title>
<text class="max" x="2" y="10">${max} / h</text>
${bars}
${labels}
</svg>
<figcaption>Jobs finished per hour, last 24 h (UTC): <strong>${total}</strong> total,
<span class="legend ok">succeeded</span> ${succeeded}, <span class="legend dead">dead</span> ${dead}.</figcaption>
</figure>`;
}
