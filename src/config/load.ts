/**
 * loadConfig: file → YAML (one 1.2 document) → interpolation → schema → cross-field rules →
 * resolved Config. Every stage runs as far as the data allows and all problems come back
 * together, each with the file, the dotted key path and the line.
 */

import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { z } from "zod";
import type { Problem } from "../core/errors.js";
import { describe } from "../core/errors.js";
import { parseDuration } from "../core/units.js";
import { PROVIDERS } from "../core/webhook-verify/index.js";
import { crossChecks } from "./cross.js";
import { type ConfigFileOutput, configFileSchema, DEFAULTS } from "./definition.js";
import { type Env, interpolate } from "./interpolate.js";
import { issueMessage } from "./messages.js";
import { formatPath, type KeyPath, type PathProblem } from "./paths.js";
import { readEndpointSecretFiles } from "./secret-file.js";
import { unknownKeyMessage } from "./suggest.js";
import type { Config, PluginConfig, WebhookEndpoint } from "./types.js";
import { type LineLookup, readYaml } from "./yaml-source.js";

/** `warnings`: worth telling the operator (a world-readable secret file), not worth refusing. */
export type LoadResult = { ok: true; config: Config; warnings: Problem[] } | { ok: false; errors: Problem[] };

// Kept beside the Config, not in it: a Config stays plain data (comparable, serializable).
const lineLookups = new WeakMap<Config, LineLookup>();

/** Line of a key path in the file a Config was loaded from (nearest existing parent), else null. */
export function configLine(config: Config, path: KeyPath): number | null {
  return lineLookups.get(config)?.(path) ?? null;
}

/** A Config derived from another (secret files read) keeps the original's line lookup. */
export function copyLineLookup(from: Config, to: Config): void {
  const lookup = lineLookups.get(from);
  if (lookup !== undefined) lineLookups.set(to, lookup);
}

function readText(file: string): { text: string } | { error: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { error: "config file not found" };
    if (code === "EISDIR") return { error: "this is a directory, not a config file" };
    if (code === "EACCES") return { error: "cannot read the config file: permission denied" };
    return { error: `cannot read the config file: ${describe(e)}` };
  }
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    return { error: "the config file is not valid UTF-8" };
  }
}

function schemaProblems(issues: readonly z.core.$ZodIssue[]): PathProblem[] {
  const out: PathProblem[] = [];
  for (const issue of issues) {
    const path = issue.path.map((segment) => (typeof segment === "number" ? segment : String(segment)));
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) out.push({ path: [...path, key], message: unknownKeyMessage(path, key) });
    } else if (issue.code === "invalid_key") {
      out.push({ path, message: issue.issues[0]?.message ?? issue.message });
    } else out.push({ path, message: issue.message });
  }
  return out;
}

function resolvePlugin(plugin: ConfigFileOutput["plugins"][string]): PluginConfig {
  const { schedule, expect, ...rest } = plugin;
  return {
    ...rest,
    expect: expect
      ? { success_within: expect.success_within ?? null, event_within: expect.event_within ?? null }
      : null,
    schedule: schedule
      ? {
          every: schedule.every,
          jitter: schedule.jitter,
          preferred_window: schedule.preferred_window ?? null,
        }
      : null,
  };
}

function resolveEndpoint(
  endpoint: ConfigFileOutput["webhooks"]["endpoints"][number],
  fromFiles: string[] | undefined,
): WebhookEndpoint {
  const {
    secret,
    secrets,
    secret_file: _paths,
    dedupe_header,
    tolerance,
    signature_header,
    ...rest
  } = endpoint;
  const provider = PROVIDERS[endpoint.provider];
  // cross.ts has already refused an endpoint with none or several of secret, secrets, secret_file.
  const given = secrets ?? secret ?? fromFiles ?? [];
  return {
    ...rest,
    secrets: typeof given === "string" ? [given] : given,
    signature_header: provider.signatureHeader ?? signature_header,
    tolerance: tolerance ?? TOLERANCE_MS,
    dedupe_header: dedupe_header ?? provider.dedupeHeader,
  };
}

const TOLERANCE_MS = parseDuration(DEFAULTS.webhooks.tolerance) as number;

function pluginsDirs(dir: string, value: string | string[]): Pick<Config, "plugins_dir" | "plugins_dirs"> {
  const all = (typeof value === "string" ? [value] : value).map((p) => resolve(dir, p));
  return { plugins_dir: all[0] ?? resolve(dir, "plugins"), plugins_dirs: all };
}

function resolveConfig(data: ConfigFileOutput, file: string, files: Map<number, string[]>): Config {
  const dir = dirname(file);
  return {
    file,
    service: { ...data.service, state_dir: resolve(dir, data.service.state_dir) },
    ...pluginsDirs(dir, data.plugins_dir),
    plugins: Object.fromEntries(Object.entries(data.plugins).map(([name, p]) => [name, resolvePlugin(p)])),
    webhooks: {
      listen: data.webhooks.listen,
      endpoints: data.webhooks.endpoints.map((e, i) => resolveEndpoint(e, files.get(i))),
    },
    routes: data.routes.map((route) => ({ ...route })),
    dashboard: {
      enabled: data.dashboard.enabled,
      // Host names compare case-insensitively; brackets stay on IPv6 literals, as in Host.
      allowed_hosts: data.dashboard.allowed_hosts.map((h) => h.toLowerCase()),
    },
    alerts: { min_interval: data.alerts.min_interval },
  };
}

/** File order by line (problems without a line last); exact repeats (an alias used twice) once. */
function finish(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems
    .filter((p) => {
      const key = `${p.path}\n${p.line}\n${p.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
}

/**
 * Loads and validates the config file. `env` is the environment used for `${VAR}` (pass
 * `process.env`); relative paths in the file resolve against the file's directory.
 */
export function loadConfig(file: string, env: Env): LoadResult {
  const abs = resolve(file);
  const read = readText(abs);
  if ("error" in read)
    return { ok: false, errors: [{ file: abs, path: "", line: null, message: read.error }] };

  const { source, problems: yamlProblems } = readYaml(read.text);
  const errors: Problem[] = yamlProblems.map((p) => ({
    file: abs,
    path: formatPath(p.path),
    line: p.line,
    message: p.message,
  }));
  if (source === null) return { ok: false, errors: finish(errors) };
  const locate = (p: PathProblem): Problem => ({
    file: abs,
    path: formatPath(p.path),
    line: source.lineOf(p.path),
    message: p.message,
  });

  const { value, problems: interpolationProblems } = interpolate(source.value, env);
  errors.push(...interpolationProblems.map(locate));
  // A value whose reference failed would also fail its type check: report the cause only.
  const unresolved = new Set(interpolationProblems.map((p) => formatPath(p.path)));

  const files = readEndpointSecretFiles(value, dirname(abs));
  errors.push(...files.problems.map(locate));

  const parsed = configFileSchema.safeParse(value, { reportInput: true, error: issueMessage });
  if (!parsed.success) {
    for (const problem of schemaProblems(parsed.error.issues)) {
      if (!unresolved.has(formatPath(problem.path))) errors.push(locate(problem));
    }
  }
  errors.push(...crossChecks(value).map(locate));

  if (errors.length > 0 || !parsed.success) return { ok: false, errors: finish(errors) };
  const config = resolveConfig(parsed.data, abs, files.secrets);
  lineLookups.set(config, source.lineOf);
  return { ok: true, config, warnings: files.warnings.map(locate) };
}
