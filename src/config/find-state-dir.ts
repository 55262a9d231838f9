/**
 * Where the state directory is, from a config file that may not validate (docs/jobs.md, "The operator commands": read
 * commands need only the state directory). The YAML is parsed leniently and only
 * `service.state_dir` is looked at; `${VAR}` in it is resolved as at load. When the document is
 * too broken to hold the key, a line of the form `state_dir: VALUE` is taken instead, else the
 * default (./data), always against the config file's directory, as loadConfig resolves it.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseDocument } from "yaml";
import { DEFAULTS } from "./definition.js";
import { type Env, interpolate } from "./interpolate.js";

export type StateDirResult = { ok: true; stateDir: string } | { ok: false; reason: string };

const STATE_DIR_LINE_RE = /^\s+state_dir:\s*(?:"([^"]*)"|'([^']*)'|([^\s#,}]+))/m;

export function findStateDir(file: string, env: Env): StateDirResult {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    return { ok: false, reason: `cannot read ${file}: ${(e as Error).message}` };
  }
  const raw = fromDocument(text) ?? fromLine(text) ?? DEFAULTS.service.state_dir;
  const { value, problems } = interpolate(raw, env);
  if (problems.length > 0 || typeof value !== "string" || value === "") {
    return {
      ok: false,
      reason: `service.state_dir (${JSON.stringify(raw)}) cannot be resolved: ${problems[0]?.message ?? "not a path"}`,
    };
  }
  return { ok: true, stateDir: resolve(dirname(resolve(file)), value) };
}

function fromDocument(text: string): string | null {
  try {
    const doc = parseDocument(text, { logLevel: "silent", uniqueKeys: false });
    const value: unknown = doc.getIn(["service", "state_dir"]);
    return typeof value === "string" ? value : null;
  } catch {
    return null;
  }
}

function fromLine(text: string): string | null {
  const m = STATE_DIR_LINE_RE.exec(text);
  return m === null ? null : (m[1] ?? m[2] ?? m[3] ?? null);
}
