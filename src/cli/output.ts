/** Output helpers shared by CLI commands: JSON for scripts, plain text for people. */
import { formatProblem, type Problem } from "../core/errors.js";
import { stringifyBounded } from "../core/json-depth.js";

/** Bounded: a job stored before the depth limit is shown with its deepest part elided, not a RangeError. */
export function printJson(value: unknown): void {
  process.stdout.write(`${stringifyBounded(value, 2)}\n`);
}

export function printLine(text = ""): void {
  process.stdout.write(`${text}\n`);
}

export function printError(text: string): void {
  process.stderr.write(`postern: ${text}\n`);
}

export function printProblems(problems: Problem[]): void {
  for (const p of problems) process.stderr.write(`  ${formatProblem(p)}\n`);
}

/** The shape of a problem in `--json` outputs (docs/jobs.md, "The operator commands" `config check --json`). */
export function problemJson(p: Problem): {
  file: string | null;
  path: string;
  line: number | null;
  message: string;
} {
  return { file: p.file, path: p.path, line: p.line, message: p.message };
}

/** Marks the command as failed (exit 1) without throwing: output already said why. */
export function markFailed(code = 1): void {
  process.exitCode = code;
}
