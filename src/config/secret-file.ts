/**
 * Secrets read from files (docs/webhooks.md): `secret_file:` on an endpoint, and `<key>_file:` in a
 * plugin's `config` (check.ts decides which keys). Read at load and at every reload, so a
 * rotated credential file is picked up by `postern reload`. One trailing newline is not part of
 * the secret (editors and `echo` add one). Messages name the file, never what is in it.
 */
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";

/** A secret is a line or a key, not a document: a larger file is almost surely the wrong one. */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;

export type SecretFileRead =
  | { ok: true; value: string; warning: string | null }
  | { ok: false; message: string };

/** Reads one secret file; `path` is resolved against the config file's directory. */
export function readSecretFile(path: string, baseDir: string): SecretFileRead {
  const file = resolve(baseDir, path);
  let bytes: Buffer;
  let mode: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) return { ok: false, message: `secret file ${file} is not a regular file` };
    if (stat.size > MAX_SECRET_FILE_BYTES)
      return { ok: false, message: `secret file ${file} is larger than 64 KB; is it the right file?` };
    mode = stat.mode;
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "does not exist"
        : code === "EACCES"
          ? "cannot be read: permission denied (the daemon's user must be able to read it)"
          : `cannot be read (${code ?? "error"})`;
    return { ok: false, message: `secret file ${file} ${why}` };
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, message: `secret file ${file} is not UTF-8 text` };
  }
  const value = text.endsWith("\r\n") ? text.slice(0, -2) : text.endsWith("\n") ? text.slice(0, -1) : text;
  if (value === "") return { ok: false, message: `secret file ${file} is empty` };
  const warning =
    (mode & 0o004) !== 0
      ? `secret file ${file} is readable by every user on this machine: chmod o-r ${file} (or 600)`
      : null;
  return { ok: true, value, warning };
}

import { PROVIDER_NAMES, PROVIDERS, type ProviderName } from "../core/webhook-verify/index.js";
import type { KeyPath, PathProblem } from "./paths.js";

export interface EndpointSecretFiles {
  /** Endpoint index → the secrets read from its `secret_file`, in order. */
  secrets: Map<number, string[]>;
  problems: PathProblem[];
  warnings: PathProblem[];
}

/**
 * Reads every endpoint's `secret_file` (one path or a list) from the interpolated file, so that
 * `${CREDENTIALS_DIRECTORY}/github` works and every unreadable file is reported in one run.
 * Values of the wrong type are left to the schema.
 */
export function readEndpointSecretFiles(root: unknown, baseDir: string): EndpointSecretFiles {
  const out: EndpointSecretFiles = { secrets: new Map(), problems: [], warnings: [] };
  const webhooks = isObj(root) ? root["webhooks"] : undefined;
  const endpoints = isObj(webhooks) ? webhooks["endpoints"] : undefined;
  if (!Array.isArray(endpoints)) return out;
  endpoints.forEach((endpoint: unknown, index) => {
    if (!isObj(endpoint) || !Object.hasOwn(endpoint, "secret_file")) return;
    const raw = endpoint["secret_file"];
    const at: KeyPath = ["webhooks", "endpoints", index, "secret_file"];
    const paths: [string, KeyPath][] =
      typeof raw === "string"
        ? [[raw, at]]
        : Array.isArray(raw)
          ? raw.flatMap((p, i): [string, KeyPath][] => (typeof p === "string" ? [[p, [...at, i]]] : []))
          : [];
    const name = endpoint["provider"] ?? "hmac";
    const provider = (PROVIDER_NAMES as readonly unknown[]).includes(name)
      ? PROVIDERS[name as ProviderName]
      : null;
    const values: string[] = [];
    for (const [path, where] of paths) {
      if (path === "" || path.includes("\0")) continue;
      const read = readSecretFile(path, baseDir);
      if (!read.ok) {
        out.problems.push({ path: where, message: read.message });
        continue;
      }
      if (read.warning !== null) out.warnings.push({ path: where, message: read.warning });
      const problem = provider?.secretProblem(read.value) ?? null;
      if (problem !== null)
        out.problems.push({ path: where, message: `${problem} (in ${resolve(baseDir, path)})` });
      values.push(read.value);
    }
    out.secrets.set(index, values);
  });
  return out;
}

function isObj(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * `<key>_file:` in a plugin's `config` (docs/webhooks.md): the file's content is delivered to the plugin
 * as `<key>`, when the plugin's manifest lists `<key>` (required or optional) and does not list
 * `<key>_file` itself. The manifest decides because plenty of plugins take a path in a
 * `*_file` key (a log file, a record file) that must reach them as the path it is.
 * Returns the plugin configs with the files read, and what went wrong, located by key path.
 */
export function readPluginSecretFiles(
  plugins: Readonly<Record<string, { enabled: boolean; config: Record<string, unknown> }>>,
  configKeysOf: (plugin: string) => { required: readonly string[]; optional: readonly string[] } | null,
  baseDir: string,
): { configs: Map<string, Record<string, unknown>>; problems: PathProblem[]; warnings: PathProblem[] } {
  const out = {
    configs: new Map<string, Record<string, unknown>>(),
    problems: [] as PathProblem[],
    warnings: [] as PathProblem[],
  };
  for (const [name, plugin] of Object.entries(plugins)) {
    const keys = configKeysOf(name);
    if (keys === null) continue;
    const declared = new Set([...keys.required, ...keys.optional]);
    let config: Record<string, unknown> | null = null;
    for (const [key, value] of Object.entries(plugin.config)) {
      if (!key.endsWith("_file") || declared.has(key)) continue;
      const base = key.slice(0, -"_file".length);
      if (!declared.has(base) || typeof value !== "string") continue;
      const at: KeyPath = ["plugins", name, "config", key];
      if (Object.hasOwn(plugin.config, base)) {
        out.problems.push({ path: at, message: `give either ${base} or ${key}, not both` });
        continue;
      }
      const read = readSecretFile(value, baseDir);
      if (!read.ok) {
        out.problems.push({ path: at, message: read.message });
        continue;
      }
      if (read.warning !== null) out.warnings.push({ path: at, message: read.warning });
      config ??= { ...plugin.config };
      delete config[key];
      Object.defineProperty(config, base, {
        value: read.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    if (config !== null) out.configs.set(name, config);
  }
  return out;
}
