/** Argument checks shared by the operator commands; bad arguments are usage errors (exit 2). */
import { readFileSync } from "node:fs";
import { PosternError } from "../../core/errors.js";

export function usageError(message: string): PosternError {
  return new PosternError("usage", message, { exitCode: 2 });
}

export function positiveInt(option: string, text: string): number {
  const n = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1)
    throw usageError(`${option} must be a positive integer, got "${text}"`);
  return n;
}

/** `JSON` or `@file`, as `--event` takes it. */
export function readJsonArg(arg: string, what: string): unknown {
  let text = arg;
  let where = what;
  if (arg.startsWith("@")) {
    where = arg.slice(1);
    try {
      text = readFileSync(where, "utf8");
    } catch (e) {
      throw usageError(`cannot read ${where}: ${(e as Error).message}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw usageError(`${where} is not valid JSON: ${(e as Error).message}`);
  }
}

export function noSuchJob(id: string): PosternError {
  return new PosternError(
    "job_not_found",
    id.length < 36 ? `no job ${id} (no job id starts with it)` : `no job ${id}`,
  );
}
