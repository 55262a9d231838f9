/**
 * How CLI commands reach the database. Reads open it read-only and never create it: before the
 * daemon (or a write command) first ran there is nothing to read, which is an empty result,
 * not an error. Writes open it read-write. Either way the connection closes with the command,
 * so the CLI never holds a lock or a WAL snapshot beside the daemon.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { systemClock } from "../core/clock.js";
import { DB_FILE, openStore, type Store } from "../store/index.js";

/** What the store helpers need of a config: a Config, or what a read command found leniently. */
export interface HasStateDir {
  service: { state_dir: string };
}

export function databaseFile(config: HasStateDir): string {
  return join(config.service.state_dir, DB_FILE);
}

export function hasDatabase(config: HasStateDir): boolean {
  return existsSync(databaseFile(config));
}

/** Runs `fn` on a read-only store, or returns `empty()` when there is no database yet. */
export function withReadStore<T>(config: HasStateDir, empty: () => T, fn: (store: Store) => T): T {
  if (!hasDatabase(config)) return empty();
  const store = openStore(config.service.state_dir, { clock: systemClock, readonly: true });
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

/** Runs `fn` on a read-write store (created and migrated if needed). */
export function withWriteStore<T>(config: HasStateDir, fn: (store: Store) => T): T {
  const store = openStore(config.service.state_dir, { clock: systemClock });
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

/** The plugin's current state, or {} when no database exists yet (nothing ever ran). */
export function readPluginState(config: HasStateDir, plugin: string): Record<string, unknown> {
  return withReadStore(
    config,
    () => ({}),
    (store) => store.getState(plugin),
  );
}
