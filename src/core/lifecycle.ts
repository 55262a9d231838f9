/**
 * Plugin lifecycle decisions (docs/operations.md, "init and health"; docs/daemon.md reload) as pure functions over plain data: when a
 * plugin needs `init`, and what a config swap means for the queue. The daemon applies them.
 */
import { createHash } from "node:crypto";

/** What decides whether `init` must run again: the manifest version and the resolved config. */
export function initFingerprint(manifestVersion: string, resolvedConfig: Record<string, unknown>): string {
  return createHash("sha256")
    .update(JSON.stringify([manifestVersion, canonical(resolvedConfig)]))
    .digest("hex")
    .slice(0, 32);
}

/** Key order must not matter: `{a, b}` and `{b, a}` are the same config. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    return Object.keys(value)
      .sort()
      .map((k) => [k, canonical((value as Record<string, unknown>)[k])]);
  }
  return value;
}

export interface InitRecord {
  fingerprint: string;
  healthy: boolean;
}

/**
 * `init` runs when the plugin was never initialised, when its fingerprint changed, or when the
 * last init failed (a restart or reload is the operator's way to retry it; init itself is never
 * retried automatically). A plugin whose manifest lacks `init` is healthy without running it.
 */
export function needsInit(hasInitCommand: boolean, record: InitRecord | null, fingerprint: string): boolean {
  if (!hasInitCommand) return false;
  if (record === null) return true;
  return record.fingerprint !== fingerprint || !record.healthy;
}

export interface PluginAvailability {
  configured: boolean;
  enabled: boolean;
}

/** Why queued jobs of a plugin must die after a swap ("plugin removed" / "plugin disabled"), or null. */
export function deadReason(next: PluginAvailability): string | null {
  if (!next.configured) return "plugin removed";
  if (!next.enabled) return "plugin disabled";
  return null;
}
