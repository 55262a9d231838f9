/** The shapes a plugin author works with (docs/plugins.md): typed views of the request and response. */
import type { LogEntry, PluginRequest, RequestEvent, ResponseEvent } from "../protocol/messages.js";

export type { LogEntry, PluginRequest, RequestEvent, ResponseEvent };
export type Command = PluginRequest["command"];
export type JsonObject = Record<string, unknown>;

/** What the webhook listener attaches to an event it received (docs/webhooks.md, step 5). */
export interface WebhookInfo {
  path: string;
  /** Lower-cased names; the signature header is removed. */
  headers: Record<string, string>;
  /** A key given once is a string, a repeated key a list. */
  query: Record<string, string | string[]>;
  content_type: string | null;
}

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface Context<C extends object = JsonObject, S extends object = JsonObject> {
  command: Command;
  /** From the config file (read-only). */
  config: C;
  /** The plugin's whole state as the core stored it. */
  state: S;
  attempt: number;
  jobId: string;
  /** When the core kills the process. */
  deadline: Date;
  /** Aborts shortly before `deadline`: pass it to fetch and other cancellable work. */
  signal: AbortSignal;
  /** Entries land in the response's `logs` (stored with the attempt, logged at their level). */
  log: Logger;
  /** The validated request, as received. */
  request: PluginRequest;
}

export interface HandleContext<C extends object = JsonObject, S extends object = JsonObject>
  extends Context<C, S> {
  event: RequestEvent;
}

/** What a handler returns; `undefined` means "ok, nothing to report". */
export interface PluginResult<S extends object = JsonObject> {
  events?: ResponseEvent[];
  state_updates?: Partial<S> & JsonObject;
  state_replace?: boolean;
  logs?: LogEntry[];
}

type Awaitable<T> = T | Promise<T>;
// A handler with no return statement has type void; without it in the union, TypeScript would
// reject `async health(ctx) { ctx.log.info("fine"); }`.
// biome-ignore lint/suspicious/noConfusingVoidType: see above
type Handler<Ctx, S extends object> = (ctx: Ctx) => Awaitable<PluginResult<S> | undefined | void>;

export interface Handlers<C extends object = JsonObject, S extends object = JsonObject> {
  poll?: Handler<Context<C, S>, S>;
  handle?: Handler<HandleContext<C, S>, S>;
  health?: Handler<Context<C, S>, S>;
  init?: Handler<Context<C, S>, S>;
}

export interface PluginOptions {
  /**
   * How long before `deadline_at` the signal aborts, leaving time to answer. Default: a tenth
   * of the time left, at most 1 s.
   */
  deadlineMarginMs?: number;
  /** Clock for tests. */
  now?: () => number;
}

/** The one response to write, and the exit status to end with. */
export interface Outcome {
  response: JsonObject;
  exitCode: number;
}
