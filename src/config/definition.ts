/**
 * The config file's schema (docs/configuration.md): one definition for the loader and for the shipped JSON
 * Schema, so the two cannot drift. Input keys are exactly the YAML keys; every object is
 * strict (an unknown key is a typo until proven otherwise). Defaults are written in the file's
 * own notation (`prefault`, parsed like user input) so the JSON Schema shows `"30s"`, not 30000.
 *
 * Cross-field rules that zod cannot check while other parts are invalid (duplicate paths,
 * unknown plugin references, secret/secrets, retention vs dedupe) live in `cross.ts`, so that
 * all problems are reported in one run.
 */
import { z } from "zod";
import { PROVIDER_NAMES } from "../core/webhook-verify/index.js";
import {
  duration,
  endpointPath,
  envName,
  envValue,
  every,
  filePath,
  headerName,
  listen,
  MAX_TIMER_DURATION_MS,
  pluginName,
  secret,
  size,
  text,
  timeOfDay,
  timezone,
} from "./fields.js";
import { kindOf } from "./messages.js";

export type { Config } from "./types.js";

/** Defaults as written in docs/configuration.md (strings where the file has strings). */
export const DEFAULTS = {
  service: {
    name: "postern",
    state_dir: "./data",
    tick_interval: "60s",
    log_level: "info",
    timezone: "local",
    dedupe_ttl: "24h",
    job_log_retention: "30d",
    shutdown_grace: "10s",
    max_route_depth: 8,
  },
  plugins_dir: "./plugins",
  plugin: {
    enabled: true,
    jitter: "0s",
    retry: { max_attempts: 4, backoff_base: "30s" },
    timeouts: { poll: "60s", handle: "120s", health: "10s", init: "30s" },
    circuit_breaker: { threshold: 3, reset_after: "30m" },
    max_outstanding_polls: 1,
  },
  webhooks: {
    listen: "127.0.0.1:8081",
    provider: "hmac",
    /** For `provider: hmac`; every other provider fixes its own header. */
    signature_header: "X-Hub-Signature-256",
    /** For providers that sign a timestamp (stripe, slack, standard). */
    tolerance: "5m",
    max_body_size: "1MB",
    event_type: "webhook",
  },
  dashboard: { enabled: true, allowed_hosts: [] as string[] },
  alerts: { min_interval: "15m" },
} as const;

// Bounds the spec leaves open, chosen so a typo cannot stall or flood the daemon.
const MAX_ATTEMPTS = 100;
const MIN_TICK_MS = 1000;

const P = DEFAULTS.plugin;
const timeout = () => duration({ min: 1, max: MAX_TIMER_DURATION_MS });

const serviceSchema = z.strictObject({
  name: text().prefault(DEFAULTS.service.name),
  state_dir: filePath.prefault(DEFAULTS.service.state_dir),
  tick_interval: duration({ min: MIN_TICK_MS, max: MAX_TIMER_DURATION_MS }).prefault(
    DEFAULTS.service.tick_interval,
  ),
  log_level: z.enum(["debug", "info", "warn", "error"]).prefault(DEFAULTS.service.log_level),
  timezone: timezone.prefault(DEFAULTS.service.timezone),
  dedupe_ttl: duration().prefault(DEFAULTS.service.dedupe_ttl),
  job_log_retention: duration({ min: 1 }).prefault(DEFAULTS.service.job_log_retention),
  shutdown_grace: duration({ max: MAX_TIMER_DURATION_MS }).prefault(DEFAULTS.service.shutdown_grace),
  max_route_depth: z.int().min(1).prefault(DEFAULTS.service.max_route_depth),
});

const windowSchema = z
  .strictObject({ start: timeOfDay, end: timeOfDay })
  .refine((w) => w.start.hour !== w.end.hour || w.start.minute !== w.end.minute, {
    error: "start and end must differ (remove preferred_window to allow any time of day)",
  });

const scheduleSchema = z.strictObject({
  every,
  jitter: duration().prefault(P.jitter),
  preferred_window: windowSchema.optional(),
});

const pluginSchema = z.strictObject({
  enabled: z.boolean().prefault(P.enabled),
  schedule: scheduleSchema.optional(),
  config: z.record(z.string(), z.json()).prefault({}),
  env: z.record(envName, envValue).prefault({}),
  retry: z
    .strictObject({
      max_attempts: z.int().min(1).max(MAX_ATTEMPTS).prefault(P.retry.max_attempts),
      backoff_base: duration().prefault(P.retry.backoff_base),
    })
    .prefault({}),
  timeouts: z
    .strictObject({
      poll: timeout().prefault(P.timeouts.poll),
      handle: timeout().prefault(P.timeouts.handle),
      health: timeout().prefault(P.timeouts.health),
      init: timeout().prefault(P.timeouts.init),
    })
    .prefault({}),
  circuit_breaker: z
    .strictObject({
      threshold: z.int().min(1).prefault(P.circuit_breaker.threshold),
      reset_after: duration({ min: 1 }).prefault(P.circuit_breaker.reset_after),
    })
    .prefault({}),
  max_outstanding_polls: z.int().min(1).prefault(P.max_outstanding_polls),
  expect: z
    .strictObject({
      success_within: duration({ min: 1 }).optional(),
      event_within: duration({ min: 1 }).optional(),
    })
    .optional()
    .meta({
      description:
        "heartbeat (docs/operations.md): postern.heartbeat.missed when no job succeeded / no event was emitted for this long",
    }),
});

const secretList = z
  .array(secret)
  .min(1, { error: "expected a non-empty list of secrets; got an empty list" });
/** One secret, or several to rotate without downtime: a signature made with any of them is accepted. */
const secretOrList = z.union([secret, secretList], {
  error: (issue) => `expected a non-empty secret (a string); got ${kindOf(issue.input)}`,
});
const secretFiles = z.union(
  [filePath, z.array(filePath).min(1, { error: "expected a non-empty list of paths; got an empty list" })],
  {
    error: (issue) =>
      `expected the path of a file holding the secret, or a list of paths; got ${kindOf(issue.input)}`,
  },
);

/**
 * Exactly one of `secret`, `secrets` (the older spelling of a list) and `secret_file`, and the
 * keys that only some providers take, are checked in cross.ts (also when the rest is invalid).
 * Defaults that depend on the provider (header, dedupe header) are applied in load.ts.
 */
const endpointSchema = z.strictObject({
  path: endpointPath,
  plugin: text("a plugin name"),
  provider: z
    .enum(PROVIDER_NAMES)
    .prefault(DEFAULTS.webhooks.provider)
    .meta({ description: "the sender's signature scheme (docs/webhooks.md has one section per provider)" }),
  secret: secretOrList.optional(),
  secrets: secretList
    .optional()
    .meta({ description: "same as `secret` given a list (kept for older configs)" }),
  secret_file: secretFiles.optional().meta({
    description:
      "file(s) holding the secret, e.g. /run/credentials/postern.service/github (CREDENTIALS_DIRECTORY interpolates like any variable); one trailing newline is not part of it",
  }),
  signature_header: headerName
    .prefault(DEFAULTS.webhooks.signature_header)
    .meta({ description: "provider hmac only: the header with the signature" }),
  tolerance: duration({ min: 1000, max: MAX_TIMER_DURATION_MS }).optional().meta({
    description: "stripe, slack and standard only: how far the signed timestamp may be from now (default 5m)",
  }),
  max_body_size: size({ min: 1 }).prefault(DEFAULTS.webhooks.max_body_size),
  event_type: text("an event type").prefault(DEFAULTS.webhooks.event_type),
  dedupe_header: headerName.optional(),
});

const routeSchema = z.strictObject({
  from: text("a plugin name"),
  event_type: text("an event type"),
  to: text("a plugin name"),
});

export const configFileSchema = z.strictObject({
  service: serviceSchema.prefault({}),
  plugins_dir: z
    .union([filePath, z.array(filePath).min(1, { error: "expected at least one path" })])
    .prefault(DEFAULTS.plugins_dir)
    .meta({
      description:
        "where your plugins live: a path or a list of paths, searched in order; the bundled plugins are searched last",
    }),
  plugins: z.record(pluginName, pluginSchema).prefault({}),
  webhooks: z
    .strictObject({
      listen: listen.prefault(DEFAULTS.webhooks.listen),
      endpoints: z.array(endpointSchema).prefault([]),
    })
    .prefault({}),
  routes: z.array(routeSchema).prefault([]),
  dashboard: z
    .strictObject({
      enabled: z
        .boolean()
        .prefault(DEFAULTS.dashboard.enabled)
        .meta({ description: "serve the read-only web dashboard on the listener (/, /plugins, /jobs)" }),
      allowed_hosts: z
        .array(
          z
            .string()
            .min(1)
            .regex(
              /^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$/,
              "a host name or IP address, without port or scheme",
            ),
        )
        .prefault([])
        .meta({
          description:
            "Host header names the dashboard answers to besides loopback ones (localhost, 127.0.0.1, [::1]) and the listen address: the name a reverse proxy forwards, e.g. postern.example.org",
        }),
    })
    .prefault({}),
  alerts: z
    .strictObject({
      min_interval: duration({ min: 1 })
        .prefault(DEFAULTS.alerts.min_interval)
        .meta({ description: "at most one system event per (type, plugin, command) per this interval" }),
    })
    .prefault({}),
});

/** What the file may contain (before defaults and conversions). */
export type ConfigFileInput = z.input<typeof configFileSchema>;
/** The validated file, durations and sizes converted, paths not yet resolved. */
export type ConfigFileOutput = z.output<typeof configFileSchema>;

/** JSON Schema (draft 2020-12) of the file, for editor completion: the input side of the schema. */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configFileSchema, { io: "input", unrepresentable: "throw" }),
    title: "Postern configuration (postern.yaml)",
  };
}
