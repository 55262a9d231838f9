/** Argument checks shared by the operator commands; bad arguments are usage errors (exit 2). */
import { closeSync, openSync, readSync } from "node:fs";
import { PosternError } from "../../core/errors.js";
import { MAX_JSON_DEPTH, tooDeep } from "../../core/json-depth.js";

export function usageError(message: string): PosternError {
  return new PosternError("usage", message, { exitCode: 2 });
}

export function positiveInt(option: string, text: string): number {
  const n = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1)
    throw usageError(`${option} must be a positive integer, got "${text}"`);
  return n;
}

/**
 * What `--event @file` and `state set @file` read at most. A plugin's whole response is capped at
 * 10 MiB (docs/plugins.md), so no event or state a plugin could produce is larger; the cap
 * also makes `@/dev/zero` end with a usage error instead of reading forever.
 */
export const MAX_JSON_ARG_BYTES = 10 * 1024 * 1024;

/**
 * `JSON` or `@file`, as `--event` takes it. Errors name the argument or the file but never
 * quote its content (it may be a secret, or megabytes of binary).
 */
export function readJsonArg(arg: string, what: string): unknown {
  let text = arg;
  let where = what;
  if (arg.startsWith("@")) {
    where = arg.slice(1);
    text = readBoundedFile(where, MAX_JSON_ARG_BYTES);
  } else if (Buffer.byteLength(arg) > MAX_JSON_ARG_BYTES) {
    throw usageError(`${where} is larger than ${MAX_JSON_ARG_BYTES} bytes`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw usageError(`${where} is not valid JSON${parseErrorPlace((e as Error).message)}`);
  }
  if (tooDeep(value)) {
    throw usageError(
      `${where} nests deeper than ${MAX_JSON_DEPTH} levels (the limit for JSON entering Postern)`,
    );
  }
  return value;
}

function readBoundedFile(path: string, limit: number): string {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw usageError(`cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    const buf = Buffer.alloc(limit + 1);
    let got = 0;
    // One byte past the limit tells "exactly at the limit" from "larger".
    while (got <= limit) {
      const n = readSync(fd, buf, got, limit + 1 - got, null);
      if (n === 0) break;
      got += n;
    }
    if (got > limit) throw usageError(`${path} is larger than ${limit} bytes; not reading further`);
    return buf.toString("utf8", 0, got);
  } catch (e) {
    if (e instanceof PosternError) throw e;
    throw usageError(`cannot read ${path}: ${(e as Error).message}`);
  } finally {
    closeSync(fd);
  }
}

/** V8's messages quote the start of the input; only where it went wrong is kept. */
function parseErrorPlace(message: string): string {
  const at = /at position (\d+)/.exec(message);
  if (at) return ` (at position ${at[1]})`;
  if (/end of JSON input/.test(message)) return " (it ends early)";
  return "";
}

export function noSuchJob(id: string): PosternError {
  return new PosternError(
    "job_not_found",
    id.length < 36 ? `no job ${id} (no job id starts with it)` : `no job ${id}`,
  );
}
