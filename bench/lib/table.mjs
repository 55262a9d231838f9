// The one table: figure, Postern, baseline, ratio, target, pass/fail.

const show = (v) => (v === null || v === undefined ? "-" : typeof v === "number" ? String(v) : v);
const verdict = (pass) => (pass === true ? "pass" : pass === false ? "FAIL" : "-");

export function formatTable(rows) {
  const header = ["figure", "postern", "baseline", "ratio", "target", "pass"];
  const cells = rows.map((r) => [
    r.figure,
    show(r.postern),
    show(r.baseline),
    show(r.ratio),
    r.target,
    verdict(r.pass),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => c.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}

/** The same table as Markdown, for docs/performance.md. */
export function markdownTable(rows) {
  const out = ["| figure | postern | baseline | ratio | target | pass |", "|---|---:|---:|---:|---|---|"];
  for (const r of rows) {
    out.push(
      `| ${r.figure} | ${show(r.postern)} | ${show(r.baseline)} | ${show(r.ratio)} | ${r.target} | ${verdict(r.pass)} |`,
    );
  }
  return out.join("\n");
}
