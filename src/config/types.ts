/**
 * The resolved configuration the rest of the program uses (SPEC §3).
 *
 * Key names are the YAML keys (snake_case) so that a problem's path is also the key path an
 * operator edits. Durations are milliseconds, sizes are bytes, paths are absolute. Optional
 * blocks that are absent are `null` rather than missing, so consumers never confuse "not set"
 * with "forgot to read it".
 */

export type LogLevel = "debug" | "info" | "warn" | "error";

export type { Every, PreferredWindow, Schedule, TimeOfDay } from "../core/schedule-types.js";

import type { Schedule } from "../core/schedule-types.js";

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
  /** Heartbeat thresholds (ms, SPEC §16); null when the plugin has none. */
  expect: { success_within: number | null; event_within: number | null } | null;
}

export interface WebhookEndpoint {
  path: string;
  plugin: string;
  /**
   * Accepted HMAC secrets, never empty. The file gives either `secret` (one) or `secrets`
   * (several, to rotate without downtime); both end up here so the listener has one rule:
   * a signature matching any of them is valid.
   */
  secrets: string[];
  /** As written; HTTP header names are case-insensitive, so compare lower-cased. */
  signature_header: string;
  max_body_size: number;
  event_type: string;
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
  /** Absolute. */
  plugins_dir: string;
  plugins: Record<string, PluginConfig>;
  webhooks: { listen: ListenAddress; endpoints: WebhookEndpoint[] };
  /** In file order: fan-out fires in config order (SPEC §8). */
  routes: Route[];
  /** The read-only web dashboard on the listener (docs/dashboard.md). */
  dashboard: { enabled: boolean; allowed_hosts: string[] };
  /** System events (SPEC §16): min_interval in ms. */
  alerts: { min_interval: number };
}
