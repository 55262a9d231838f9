/** One attempt for people (shared by `jobs show` and `logs`): what ran, how it ended, why. */
import type { AttemptView } from "../../store/index.js";
import { firstLines, indent, lastLines, plural, printable } from "./text.js";
import { span } from "./time.js";

/** Enough stderr to see the failure without scrolling past a whole stack of output. */
export const STDERR_EXCERPT_LINES = 20;
const STDOUT_EXCERPT_LINES = 20;

export function exitText(a: Pick<AttemptView, "exit_code" | "signal">): string {
  if (a.signal !== null) return `signal ${a.signal}`;
  if (a.exit_code !== null) return `exit ${a.exit_code}`;
  return "no exit status";
}

export function retryText(retryable: boolean | null): string | null {
  if (retryable === null) return null;
  return retryable ? "retryable" : "not retryable";
}

/** `failed in 1.2s, exit 3, retryable` */
export function attemptSummary(a: AttemptView): string {
  const parts: string[] = [a.duration_ms === null ? a.status : `${a.status} in ${span(a.duration_ms)}`];
  parts.push(exitText(a));
  const retry = retryText(a.retryable);
  if (retry !== null) parts.push(retry);
  return parts.join(", ");
}

/**
 * Error, logs, stdout kept on a protocol error, and stderr (the last `stderrLines` lines, or
 * all that was stored when null); one string per line.
 */
export function attemptBody(a: AttemptView, stderrLines: number | null = STDERR_EXCERPT_LINES): string[] {
  const out: string[] = [];
  if (a.error !== null) out.push(`error: ${printable(a.error)}`);
  if (a.logs.length > 0) {
    out.push(`logs (${a.logs.length}):`);
    out.push(
      ...indent(
        a.logs.map((l) => `[${l.level}] ${printable(l.message)}`),
        "  ",
      ),
    );
  }
  if (a.stdout !== null) {
    const { lines, omitted } = firstLines(a.stdout, STDOUT_EXCERPT_LINES);
    const more = omitted > 0 ? `, first ${lines.length} lines, ${omitted} more not shown` : "";
    out.push(`stdout (kept because it was not a valid response${more}):`);
    out.push(...indent(lines.map(printable), "  | "));
  }
  out.push(...stderrExcerpt(a, stderrLines ?? Number.POSITIVE_INFINITY));
  return out;
}

function stderrExcerpt(a: AttemptView, max: number): string[] {
  if (a.stderr === "") return [];
  const { lines, omitted } = lastLines(a.stderr, max);
  const notes: string[] = [];
  if (omitted > 0) notes.push(`last ${lines.length} of ${lines.length + omitted} stored lines`);
  if (a.stderr_truncated) {
    notes.push(`truncated: ${plural(a.stderr_bytes_dropped, "earlier byte")} dropped before storing`);
  }
  const head = notes.length > 0 ? `stderr (${notes.join("; ")}):` : "stderr:";
  return [head, ...indent(lines.map(printable), "  | ")];
}
