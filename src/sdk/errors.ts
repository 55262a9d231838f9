/**
 * How a plugin says "this failed" (docs/design.md, "Outcome of an attempt"). A thrown PluginError becomes a `status: error`
 * response with its `retry`; a ConfigError also exits 78 (EX_CONFIG), which the core never
 * retries whatever the response says, because no retry can fix a wrong config.
 */

/** sysexits.h EX_TEMPFAIL: a temporary failure, always retried by the core. */
export const EX_TEMPFAIL = 75;
/** sysexits.h EX_CONFIG: the plugin's configuration is wrong; never retried. */
export const EX_CONFIG = 78;
/** sysexits.h EX_DATAERR: the request on stdin was not a valid protocol v1 request. */
export const EX_DATAERR = 65;

export interface PluginErrorOptions {
  /** Whether the core should try again later (default true, as in the protocol). */
  retry?: boolean;
  /** Exit status of the process after the response is written (default 0). */
  exitCode?: number;
  cause?: unknown;
}

export class PluginError extends Error {
  readonly retry: boolean;
  readonly exitCode: number;

  constructor(message: string, options: PluginErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PluginError";
    this.retry = options.retry ?? true;
    this.exitCode = options.exitCode ?? 0;
  }
}

/** The plugin's config is missing a key or has a wrong value: exit 78, not retried. */
export class ConfigError extends PluginError {
  constructor(message: string) {
    super(message, { retry: false, exitCode: EX_CONFIG });
    this.name = "ConfigError";
  }
}

/** Throws a PluginError: `fail("feed gone", { retry: false })`. */
export function fail(message: string, options: PluginErrorOptions = {}): never {
  throw new PluginError(message, options);
}

/** Raised through the request's AbortSignal when the deadline is about to pass. */
export class DeadlineError extends PluginError {
  constructor(message: string) {
    super(message, { retry: true });
    this.name = "DeadlineError";
  }
}
