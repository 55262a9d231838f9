/**
 * Rules that span several keys (docs/configuration.md). They run on the interpolated data, not on zod's
 * output, so they still report when other parts of the file are invalid: one run shows every
 * problem. Each rule looks only at values of the right type and leaves type errors to the schema.
 */
import { isSystemEventType, SYSTEM_EVENT_TYPES, SYSTEM_SOURCE } from "../core/system-events.js";
import { formatDuration, parseDuration } from "../core/units.js";
import { PROVIDER_NAMES, PROVIDERS, type ProviderName } from "../core/webhook-verify/index.js";
import { DEFAULTS } from "./definition.js";
import { formatPath, type KeyPath, type PathProblem } from "./paths.js";

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function has(obj: Obj, key: string): boolean {
  return Object.hasOwn(obj, key) && obj[key] !== undefined;
}

function entriesOf(value: unknown): [number, Obj][] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item, index): [number, Obj][] => (isObj(item) ? [[index, item]] : []));
}

/** zod drops `__proto__` keys from records silently; refuse them instead of losing data. */
function protoKeys(node: unknown, path: KeyPath, out: PathProblem[]): void {
  if (Array.isArray(node)) {
    node.forEach((item, index) => {
      protoKeys(item, [...path, index], out);
    });
  } else if (isObj(node)) {
    for (const [key, child] of Object.entries(node)) {
      if (key === "__proto__")
        out.push({ path: [...path, key], message: 'the key "__proto__" is not allowed' });
      else protoKeys(child, [...path, key], out);
    }
  }
}

function retention(root: Obj, out: PathProblem[]): void {
  const service = isObj(root["service"]) ? root["service"] : {};
  const read = (key: "dedupe_ttl" | "job_log_retention") => {
    const raw = has(service, key) ? service[key] : DEFAULTS.service[key];
    return typeof raw === "string" ? parseDuration(raw) : null;
  };
  const ttl = read("dedupe_ttl");
  const keep = read("job_log_retention");
  if (ttl === null || keep === null || keep >= ttl) return;
  // Point at the key the operator wrote; if both are defaults this cannot happen.
  const key = has(service, "job_log_retention") ? "job_log_retention" : "dedupe_ttl";
  out.push({
    path: ["service", key],
    message: `job_log_retention (${formatDuration(keep)}) must be at least dedupe_ttl (${formatDuration(ttl)}): dedupe needs the job history it keeps`,
  });
}

function pluginRef(value: unknown, plugins: Set<string> | null, path: KeyPath, out: PathProblem[]): void {
  if (plugins === null || typeof value !== "string" || value === "" || plugins.has(value)) return;
  out.push({ path, message: `unknown plugin "${value}": it is not configured under plugins` });
}

const SECRET_KEYS = ["secret", "secrets", "secret_file"] as const;

function secretKeys(endpoint: Obj, at: KeyPath, out: PathProblem[]): void {
  const given = SECRET_KEYS.filter((key) => has(endpoint, key));
  if (given.length === 0) {
    out.push({
      path: at,
      message:
        "missing secret: give `secret` (one, or a list to rotate secrets) or `secret_file` (a file holding it)",
    });
  } else if (given.length > 1) {
    const second = given[1] as string;
    out.push({
      path: [...at, second],
      message:
        given.length === 2 && second === "secrets"
          ? "give either `secret` or `secrets`, not both"
          : "give only one of `secret`, `secrets` and `secret_file`",
    });
  }
}

const TIMESTAMPED = PROVIDER_NAMES.filter((name) => PROVIDERS[name].signsTimestamp);

function isProvider(value: unknown): value is ProviderName {
  return typeof value === "string" && (PROVIDER_NAMES as readonly string[]).includes(value);
}

/** Keys only some providers take, and secrets a provider cannot use. Unknown names: schema.ts. */
function providerKeys(endpoint: Obj, at: KeyPath, out: PathProblem[]): void {
  const name = has(endpoint, "provider") ? endpoint["provider"] : DEFAULTS.webhooks.provider;
  if (!isProvider(name)) return;
  const provider = PROVIDERS[name];
  if (has(endpoint, "signature_header") && name !== "hmac") {
    out.push({
      path: [...at, "signature_header"],
      message: `signature_header is valid only with provider: hmac; provider ${name} always reads ${provider.signatureHeader}: remove the key`,
    });
  }
  if (has(endpoint, "tolerance") && !provider.signsTimestamp) {
    out.push({
      path: [...at, "tolerance"],
      message: `tolerance is valid only with a provider that signs a timestamp (${TIMESTAMPED.join(", ")}); provider ${name} signs none: remove the key`,
    });
  }
  const check = (value: unknown, path: KeyPath) => {
    const problem = typeof value === "string" && value !== "" ? provider.secretProblem(value) : null;
    if (problem !== null) out.push({ path, message: problem });
  };
  for (const key of ["secret", "secrets"] as const) {
    const value = endpoint[key];
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        check(item, [...at, key, index]);
      });
    } else check(value, [...at, key]);
  }
}

function endpoints(root: Obj, plugins: Set<string> | null, out: PathProblem[]): void {
  const webhooks = isObj(root["webhooks"]) ? root["webhooks"] : {};
  const firstByPath = new Map<string, KeyPath>();
  for (const [index, endpoint] of entriesOf(webhooks["endpoints"])) {
    const at: KeyPath = ["webhooks", "endpoints", index];
    secretKeys(endpoint, at, out);
    providerKeys(endpoint, at, out);
    const path = endpoint["path"];
    if (typeof path === "string") {
      const first = firstByPath.get(path);
      if (first === undefined) firstByPath.set(path, [...at, "path"]);
      else
        out.push({
          path: [...at, "path"],
          message: `duplicate webhook path "${path}" (also ${formatPath(first)})`,
        });
    }
    pluginRef(endpoint["plugin"], plugins, [...at, "plugin"], out);
  }
}

function routes(root: Obj, plugins: Set<string> | null, out: PathProblem[]): void {
  const seen = new Map<string, number>();
  for (const [index, route] of entriesOf(root["routes"])) {
    const { from, event_type: type, to } = route;
    if (from === SYSTEM_SOURCE) systemRoute(type, ["routes", index, "event_type"], out);
    else pluginRef(from, plugins, ["routes", index, "from"], out);
    pluginRef(to, plugins, ["routes", index, "to"], out);
    if (typeof from !== "string" || typeof type !== "string" || typeof to !== "string") continue;
    // Fan-out fires every matching route, so an exact repeat would create each job twice.
    const key = JSON.stringify([from, type, to]);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    else out.push({ path: ["routes", index], message: `duplicate route (same as routes.${first})` });
  }
}

/** `from: postern` routes system events (docs/operations.md): a typo in the type would never fire. */
function systemRoute(type: unknown, path: KeyPath, out: PathProblem[]): void {
  if (typeof type !== "string" || isSystemEventType(type)) return;
  out.push({
    path,
    message: `unknown system event type "${type}": a route from ${SYSTEM_SOURCE} takes one of ${SYSTEM_EVENT_TYPES.join(", ")}`,
  });
}

/** `postern` is the source of system events, so no plugin may carry that name. */
function reservedPlugin(raw: unknown, out: PathProblem[]): void {
  if (isObj(raw) && has(raw, SYSTEM_SOURCE)) {
    out.push({
      path: ["plugins", SYSTEM_SOURCE],
      message: `"${SYSTEM_SOURCE}" is a reserved name (the source of system events): rename the plugin`,
    });
  }
}

export function crossChecks(data: unknown): PathProblem[] {
  const out: PathProblem[] = [];
  if (!isObj(data)) return out;
  protoKeys(data, [], out);
  retention(data, out);
  // Without a valid plugins mapping every reference would look unknown: leave that to the schema.
  const raw = has(data, "plugins") ? data["plugins"] : {};
  const plugins = isObj(raw) ? new Set(Object.keys(raw)) : null;
  reservedPlugin(raw, out);
  endpoints(data, plugins, out);
  routes(data, plugins, out);
  return out;
}
