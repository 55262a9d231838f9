/** Control characters (a newline in a reason, an escape in a name) would break the alignment. */
function clean(cell: string): string {
  return cell.replace(/[\u0000-\u001f\u007f]+/g, " ");
}

/** Code points, not UTF-16 units, so a non-BMP character counts once. */
function width(cell: string): number {
  return [...cell].length;
}

/**
 * Aligned plain-text table: columns separated by two spaces, each padded to its widest cell,
 * no trailing spaces, no trailing newline. Missing cells are empty.
 */
export function formatTable(headers: string[], rows: string[][]): string {
  const all = [headers, ...rows].map((r) => headers.map((_, i) => clean(r[i] ?? "")));
  const widths = headers.map((_, i) => Math.max(...all.map((r) => width(r[i] ?? ""))));
  return all
    .map((r) =>
      r
        .map((c, i) => c + " ".repeat((widths[i] ?? 0) - width(c)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
