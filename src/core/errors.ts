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

/**
 * Every kind of expected failure, by area. A closed set, so a caller can match on it
 * exhaustively and a new kind is added here, on purpose, with its neighbours.
 */
export const ERROR_CODES = [
  // the command line
  "usage",
  // the config file and the plugins it names
  "config_invalid",
  "config_load_failed",
  "plugins_dir_missing",
  "plugins_dir_unreadable",
  "plugin_unknown",
  "plugin_disabled",
  "plugin_refused",
  "command_unsupported",
  // the state directory, its lock and the database
  "state_dir_invalid",
  "state_file_symlink",
  "lock_failed",
  "already_running",
  "db_missing",
  "db_open_failed",
  "db_corrupt",
  "db_not_writable",
  "db_needs_migration",
  "db_migration_gap",
  "db_too_new",
  "wal_unavailable",
  // jobs, events and state
  "job_not_found",
  "job_id_short",
  "job_id_invalid",
  "job_id_ambiguous",
  "job_not_dead",
  "job_not_cancellable",
  "job_not_running",
  "job_vanished",
  "event_invalid",
  "bad_payload",
  "bad_state",
  "state_too_large",
  "plan_mismatch",
  // the running daemon
  "not_started",
  "not_running",
  "listen_failed",
  "reload_rejected",
  "reload_timeout",
  // maintenance (backup)
  "backup_dir_missing",
  "backup_exists",
  "backup_corrupt",
  "backup_failed",
  // writing a starter (init, new plugin)
  "init_exists",
  "plugin_exists",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class PosternError extends Error {
  readonly code: ErrorCode;
  readonly problems: Problem[];
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, opts: { problems?: Problem[]; exitCode?: number } = {}) {
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

/** What went wrong, in words, whatever was thrown: the message of an Error, else its text. */
export function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
