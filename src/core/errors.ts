/**
 * One error type for expected failures. The CLI prints `message` (and problems) without a
 * stack trace; anything that is not a PosternError is a bug and is printed with its stack.
 */
export interface Problem {
  /** File the problem is in, when there is one. */
  file: string | null;
  /** Dotted key path, e.g. `plugins.withings.schedule.every`; "" for the whole document. */
  path: string;
  /** 1-based line, when the parser knows it. */
  line: number | null;
  message: string;
}

export class PosternError extends Error {
  readonly code: string;
  readonly problems: Problem[];
  readonly exitCode: number;

  constructor(code: string, message: string, opts: { problems?: Problem[]; exitCode?: number } = {}) {
    super(message);
    this.name = "PosternError";
    this.code = code;
    this.problems = opts.problems ?? [];
    this.exitCode = opts.exitCode ?? 1;
  }
}

/** Renders a problem as `file:line: path: message` (parts omitted when unknown). */
export function formatProblem(p: Problem): string {
  const where = [p.file, p.line === null ? null : String(p.line)].filter((x) => x !== null).join(":");
  const key = p.path === "" ? "" : `${p.path}: `;
  return `${where === "" ? "" : `${where}: `}${key}${p.message}`;
}

/** Wraps an unknown throw so a non-Error never reaches a user. */
export function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
