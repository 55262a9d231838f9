import type { PluginCommand, PluginListing, SearchRoot } from "../../plugins/types.js";
import { formatTable } from "../table.js";

/** One element of `postern plugins --json` (docs/jobs.md, "The operator commands"); key order is part of the shape. */
export interface PluginJson {
  name: string;
  loaded: boolean;
  reason: string | null;
  version: string | null;
  commands: PluginCommand[];
  healthy: boolean | null;
}

/**
 * Health is only known once the daemon has run `init` (docs/operations.md, "init and health"), so without `healthyByName`
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
      l.reason ?? (l.shadowsBundled ? "shadows the bundled one" : ""),
    ]),
  );
}

/** `postern plugins --json` beyond §13.1: where each plugin was found (docs/operations.md). */
export function pluginsJsonWithRoots(
  listings: readonly PluginListing[],
): (PluginJson & { root: string | null; root_key: string | null; shadows_bundled: boolean })[] {
  return pluginsJson(listings).map((j, i) => {
    const l = listings[i];
    return {
      ...j,
      root: l?.root?.real ?? null,
      root_key: l?.root?.key ?? null,
      shadows_bundled: l?.shadowsBundled === true,
    };
  });
}

/** The search roots in order, each with the plugins that came from it: the table's "where from". */
export function rootsText(roots: readonly SearchRoot[], listings: readonly PluginListing[]): string {
  const lines = ["search roots, in order (the first root holding a name wins):"];
  for (const root of roots) {
    const names = listings.filter((l) => l.root?.real === root.real).map((l) => l.name);
    lines.push(
      `  ${root.key.padEnd(13)} ${root.real}: ${names.length > 0 ? names.join(", ") : "(none used)"}`,
    );
  }
  return lines.join("\n");
}
