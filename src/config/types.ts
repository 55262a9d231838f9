/**
 * The resolved configuration the rest of the program uses (docs/configuration.md).
 *
 * Key names are the YAML keys (snake_case) so that a problem's path is also the key path an
 * operator edits. Durations are milliseconds, sizes are bytes, paths are absolute. Optional
 * blocks that are absent are `null` rather than missing, so consumers never confuse "not set"
 * with "forgot to read it".
 */

export type LogLevel = "debug" | "info" | "warn" | "error";

export type { Every, PreferredWindow, Schedule, TimeOfDay } from "../core/schedule-types.js";

import type { Schedule } from "../core/schedule-types.js";
import type { ProviderName } from "../core/webhook-verify/index.js";

export interface PluginConfig {
  enabled: boolean;
  /** null: the plugin is never polled by the scheduler. */
  schedule: Schedule | null;
  /** Passed to the plugin as-is (after interpolation): any JSON values. */
  config: Record<string, unknown>;
  env: Record<string, string>;
  retry: { max_attempts: number; backoff_base: number };
  timeouts: { poll: number; handle: number; health: number; init: number };
  circuit_breaker: { threshold: number; reset_after: number };
  max_outstanding_polls: number;
  /** Heartbeat thresholds (ms, docs/operations.md); null when the plugin has none. */
  expect: { success_within: number | null; event_within: number | null } | null;
}

export interface WebhookEndpoint {
  path: string;
  plugin: string;
  /** The sender's signature scheme (docs/webhooks.md); `hmac` when not given. */
  provider: ProviderName;
  /**
   * Accepted secrets, never empty, in the file's order (the index is what the rotation metric
   * counts). The file gives `secret` (one or a list), `secrets` or `secret_file` (one or a
   * list, read at load); all end up here so the listener has one rule: any of them is valid.
   */
  secrets: string[];
  /**
   * The header carrying the signature: `signature_header` for `hmac`, else the provider's own.
   * As written; HTTP header names are case-insensitive, so compare lower-cased.
   */
  signature_header: string;
  /** Milliseconds a signed timestamp may be from now (only read by stripe, slack, standard). */
  tolerance: number;
  max_body_size: number;
  event_type: string;
  /** `dedupe_header` as written, else the provider's delivery-id header, else null. */
  dedupe_header: string | null;
}

export interface ListenAddress {
  /** Without brackets, also for IPv6 (what `server.listen(port, host)` expects). */
  host: string;
  /** 0 means "any free port" (useful for tests). */
  port: number;
}

export interface Route {
  from: string;
  event_type: string;
  to: string;
}

export interface Config {
  /** Absolute path of the config file this was loaded from. */
  file: string;
  service: {
    name: string;
    /** Absolute. */
    state_dir: string;
    tick_interval: number;
    log_level: LogLevel;
    /** "local" (the host's zone) or a valid IANA zone name. */
    timezone: string;
    dedupe_ttl: number;
    job_log_retention: number;
    shutdown_grace: number;
    max_route_depth: number;
  };
  /** Absolute: the first search root (what messages name when there is one). */
  plugins_dir: string;
  /**
   * Absolute, in search order: every root `plugins_dir` names (a path or a list of paths). The
   * package's bundled plugins are searched after these (docs/operations.md; plugins/discover.ts).
   */
  plugins_dirs: string[];
  plugins: Record<string, PluginConfig>;
  webhooks: { listen: ListenAddress; endpoints: WebhookEndpoint[] };
  /** In file order: fan-out fires in config order (docs/jobs.md, "Events and routing"). */
  routes: Route[];
  /** The read-only web dashboard on the listener (docs/dashboard.md). */
  dashboard: { enabled: boolean; allowed_hosts: string[] };
  /** System events (docs/operations.md): min_interval in ms. */
  alerts: { min_interval: number };
}
