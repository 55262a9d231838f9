import type { Database, Statement } from "better-sqlite3";

export type Prepared<T extends Record<string, string>> = { [K in keyof T]: Statement };

/** Prepares a module's statements once per Store: parsing SQL on every call is wasted work. */
export function prepareAll<T extends Record<string, string>>(db: Database, sql: T): Prepared<T> {
  return Object.fromEntries(
    Object.entries(sql).map(([name, text]) => [name, db.prepare(text)]),
  ) as Prepared<T>;
}
