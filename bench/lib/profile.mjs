// A short reading of a V8 .cpuprofile (node --cpu-prof): where the samples landed, by function,
// as self time. Enough to say where a missed target's time goes; open the file in Chrome
// DevTools (Performance → Load profile) for the whole call tree.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { root } from "./daemon.mjs";

/** The newest .cpuprofile in `dir`. */
export function newestProfile(dir) {
  const files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
  if (files.length === 0) throw new Error(`no .cpuprofile was written to ${dir}`);
  return join(dir, files.sort().at(-1));
}

/** Top `n` functions by self time: [{ fn, where, ms, pct }], pct of the non-idle time. */
export function topSelfTime(file, n = 10) {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map();
  for (const [i, id] of profile.samples.entries()) {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byFn = new Map();
  const byOwner = new Map();
  let busy = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame ?? { functionName: "?", url: "", lineNumber: 0 };
    const fn = frame.functionName || "(anonymous)";
    if (fn === "(idle)") {
      idle += us;
      continue;
    }
    busy += us;
    const url = frame.url.startsWith("file://") ? relative(root, new URL(frame.url).pathname) : frame.url;
    const where = url ? `${url}:${frame.lineNumber + 1}` : "";
    const key = `${fn} ${where}`;
    const entry = byFn.get(key) ?? { fn, where, us: 0 };
    entry.us += us;
    byFn.set(key, entry);
    const owner = ownerOf(url);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + us);
  }
  const top = [...byFn.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, n)
    .map((e) => ({
      fn: e.fn,
      where: e.where,
      ms: Math.round(e.us / 100) / 10,
      pct: Math.round((e.us / busy) * 1000) / 10,
    }));
  const owners = [...byOwner.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([owner, us]) => ({
      owner,
      ms: Math.round(us / 100) / 10,
      pct: Math.round((us / busy) * 1000) / 10,
    }));
  return { file, busy_ms: Math.round(busy / 1000), idle_ms: Math.round(idle / 1000), top, owners };
}

/** Who a frame belongs to: a package, a directory of Postern's own code, or Node itself. */
function ownerOf(url) {
  if (url === "") return "(native: V8, libuv, syscalls, GC)";
  if (url.startsWith("node:")) return "node internals";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const own = /^dist\/src\/([^/]+)/.exec(url);
  return own ? `postern src/${own[1]}` : url;
}

export function formatTop(summary) {
  const lines = [
    `  profile ${summary.file}: busy ${summary.busy_ms} ms, idle ${summary.idle_ms} ms; top self time:`,
  ];
  for (const e of summary.top) lines.push(`    ${String(e.pct).padStart(5)} %  ${e.fn}  ${e.where}`);
  lines.push("  self time by owner:");
  for (const o of summary.owners ?? []) lines.push(`    ${String(o.pct).padStart(5)} %  ${o.owner}`);
  return lines.join("\n");
}
