/**
 * Plugin state changes (docs/jobs.md, "Plugin state") as a pure function: shallow merge or replace, with the 1 MB
 * limit measured on the serialized UTF-8 bytes. Keys are data: `__proto__` and friends become
 * ordinary own keys and never touch a prototype.
 */
export const MAX_STATE_BYTES = 1024 * 1024;

export type JsonObject = Record<string, unknown>;

export type StateChange =
  | { ok: true; state: JsonObject; serialized: string; bytes: number }
  | { ok: false; error: string; bytes: number };

export function applyStateChange(
  current: JsonObject,
  updates: JsonObject | undefined,
  replace: boolean,
  limitBytes = MAX_STATE_BYTES,
): StateChange {
  const next: JsonObject = Object.create(null);
  if (!replace) copyOwn(current, next);
  if (updates) copyOwn(updates, next);
  const serialized = JSON.stringify(next);
  const bytes = Buffer.byteLength(serialized, "utf8");
  if (bytes > limitBytes) {
    return {
      ok: false,
      bytes,
      error: `state would be ${bytes} bytes, over the ${limitBytes}-byte limit; nothing from this response was applied`,
    };
  }
  return { ok: true, state: next, serialized, bytes };
}

function copyOwn(from: JsonObject, to: JsonObject): void {
  for (const key of Object.keys(from)) {
    Object.defineProperty(to, key, {
      value: from[key],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
}
