import type { PluginCommand, PluginListing } from "../../plugins/types.js";
import { formatTable } from "../table.js";

/** One element of `postern plugins --json` (SPEC §13.1); key order is part of the shape. */
export interface PluginJson {
  name: string;
  loaded: boolean;
  reason: string | null;
  version: string | null;
  commands: PluginCommand[];
  healthy: boolean | null;
}

/**
 * Health is only known once the daemon has run `init` (SPEC §4.4), so without `healthyByName`
 * a loaded plugin without `init` is healthy (true) and one with `init` is unknown (null).
 * A refused plugin is always null: health does not apply to it.
 */
function healthOf(l: PluginListing, healthyByName?: ReadonlyMap<string, boolean | null>): boolean | null {
  if (!l.loaded) return null;
  const known = healthyByName?.get(l.name);
  if (known !== undefined) return known;
  return l.commands.includes("init") ? null : true;
}

export function pluginsJson(
  listings: readonly PluginListing[],
  healthyByName?: ReadonlyMap<string, boolean | null>,
): PluginJson[] {
  return listings.map((l) => ({
    name: l.name,
    loaded: l.loaded,
    reason: l.reason,
    version: l.version,
    commands: [...l.commands],
    healthy: healthOf(l, healthyByName),
  }));
}

/** Human table for `postern plugins`; "-" marks a value the manifest did not provide. */
export function pluginsTable(listings: readonly PluginListing[]): string {
  return formatTable(
    ["NAME", "STATUS", "VERSION", "COMMANDS", "REASON"],
    listings.map((l) => [
      l.name,
      l.loaded ? "loaded" : "refused",
      l.version ?? "-",
      l.commands.length > 0 ? l.commands.join(",") : "-",
      l.reason ?? "",
    ]),
  );
}
