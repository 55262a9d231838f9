/** Key paths: segments internally (a plugin name may contain "."), dotted in problems. */
export type KeyPath = readonly (string | number)[];

/** A problem located by key path only; the loader adds the file and the line. */
export interface PathProblem {
  path: KeyPath;
  message: string;
}

/** `["webhooks", "endpoints", 1, "path"]` → `webhooks.endpoints.1.path`; `[]` → "". */
export function formatPath(path: KeyPath): string {
  return path.join(".");
}
