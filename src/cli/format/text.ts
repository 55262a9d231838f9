/** Small text helpers for human output: one-line cells, excerpts, indentation. */

/** One line, at most `max` code points: table cells must not wrap or break alignment. */
export function clip(text: string | null, max = 60): string {
  if (text === null || text === "") return "-";
  const flat = text.replace(/\s+/g, " ").trim();
  const chars = [...flat];
  return chars.length <= max ? flat : `${chars.slice(0, max - 1).join("")}…`;
}

/** The last `max` lines of a text, and how many came before them. */
export function lastLines(text: string, max: number): { lines: string[]; omitted: number } {
  const lines = text.replace(/\n$/, "").split("\n");
  if (text === "") return { lines: [], omitted: 0 };
  const omitted = Math.max(0, lines.length - max);
  return { lines: lines.slice(omitted), omitted };
}

/** The first `max` lines of a text, and how many follow them. */
export function firstLines(text: string, max: number): { lines: string[]; omitted: number } {
  if (text === "") return { lines: [], omitted: 0 };
  const lines = text.replace(/\n$/, "").split("\n");
  return { lines: lines.slice(0, max), omitted: Math.max(0, lines.length - max) };
}

export function indent(lines: string[], prefix: string): string[] {
  return lines.map((l) => (l === "" ? prefix.trimEnd() : prefix + l));
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * Plugin output shown on a terminal: control characters (escape sequences, carriage returns)
 * could rewrite what the operator sees, so they become visible as "�". Tabs stay.
 */
export function printable(line: string): string {
  return line.replace(/\r$/, "").replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "�");
}
