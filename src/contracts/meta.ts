/**
 * Rows the running daemon writes into the `meta` table for other processes (the CLI, the
 * dashboard) to read. Their keys and shapes are a contract between the daemon that writes them
 * and the readers, so they live here, below both.
 */
import type { Problem } from "../core/errors.js";

/** What the running daemon records about itself for `postern status`. */
export const DAEMON_META_KEY = "daemon";
export interface DaemonMeta {
  pid: number;
  started_at: string;
  config_file: string;
  version: string;
}

/** The verdict of the last reload, for `postern reload` to wait on. */
export const RELOAD_META_KEY = "reload";
export interface ReloadVerdict {
  seq: number;
  at: string;
  pid: number;
  ok: boolean;
  message: string;
  errors: Problem[];
}

/** `init:<plugin>`: the last init's result (docs/design.md, "Plugin lifecycle"). */
export const INIT_META_PREFIX = "init:";
export interface InitResult {
  fingerprint: string;
  healthy: boolean;
  error: string | null;
  at: string;
}

/**
 * `live`: the daemon's live plugin set, for `status` and the dashboard: which plugins it runs
 * now and whether each is healthy, pending its init, or unhealthy, as the daemon itself treats
 * them. The stored init records lag behind a reload (a changed plugin keeps its old, healthy
 * record until its new init has run), so a reader would otherwise show a plugin healthy that
 * the daemon holds back.
 */
export const LIVE_META_KEY = "live";
export interface LivePlugin {
  /** true healthy, false its last init failed, null its init has not run yet (pending). */
  healthy: boolean | null;
}
export interface LiveSet {
  pid: number;
  at: string;
  /** The enabled, loaded plugins the daemon runs now; a plugin absent here does not run. */
  plugins: Record<string, LivePlugin>;
}

/**
 * `webhook_rejections:<plugin>`: the last webhook deliveries refused for the plugin's endpoints,
 * newest last (docs/webhooks.md). Never the body, a header or a signature: when, why, from where.
 */
export const WEBHOOK_REJECTIONS_META_PREFIX = "webhook_rejections:";
export interface WebhookRejection {
  at: string;
  path: string;
  reason: string;
  remote: string | null;
}
