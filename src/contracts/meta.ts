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
 * `webhook_rejections:<plugin>`: the last webhook deliveries refused for the plugin's endpoints,
 * newest last (SPEC §17). Never the body, a header or a signature: when, why, from where.
 */
export const WEBHOOK_REJECTIONS_META_PREFIX = "webhook_rejections:";
export interface WebhookRejection {
  at: string;
  path: string;
  reason: string;
  remote: string | null;
}
