/**
 * Fetching with the limits a plugin needs and errors that carry the right `retry`: a body cap
 * (a hostile or broken server must not eat the plugin's memory), the request's deadline, and
 * `file:` URLs / plain paths for local sources (demos, tests, files another tool writes).
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { PluginError } from "./errors.js";

export const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

export interface FetchOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Usually the context's deadline signal. */
  signal?: AbortSignal;
  /** A per-request limit on top of `signal`. */
  timeoutMs?: number;
  /** Larger bodies fail the request (not retried: the next try would be as large). */
  maxBytes?: number;
  /** Names the target in error messages instead of the URL (which may hold a token). */
  label?: string;
}

export interface FetchResult {
  /** The final URL (after redirects), or the file: URL read. */
  url: string;
  status: number;
  headers: Headers;
  body: Buffer;
}

/**
 * `http:`/`https:` URLs as they are; `file:` URLs and plain paths (resolved against the working
 * directory, which for a plugin is its own directory) as file: URLs. Other schemes are refused.
 */
export function sourceUrl(spec: string): URL {
  const scheme = SCHEME.exec(spec)?.[1]?.toLowerCase();
  if (scheme === undefined) return pathToFileURL(resolve(spec));
  if (scheme === "http" || scheme === "https" || scheme === "file") {
    try {
      return new URL(spec);
    } catch {
      throw new PluginError(`not a valid URL: ${spec}`, { retry: false });
    }
  }
  throw new PluginError(`unsupported URL scheme "${scheme}:" in ${spec} (use http, https or file)`, {
    retry: false,
  });
}

function tooLarge(label: string, maxBytes: number): PluginError {
  return new PluginError(
    `${label}: the body is larger than ${maxBytes} bytes (raise max_bytes to allow it)`,
    {
      retry: false,
    },
  );
}

async function readCapped(
  chunks: AsyncIterable<Uint8Array>,
  label: string,
  maxBytes: number,
): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.byteLength;
    if (total > maxBytes) throw tooLarge(label, maxBytes);
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

/** Files answer like a server would: 404 when missing, Last-Modified/ETag from mtime and size, 304. */
async function readFileSource(url: URL, opts: FetchOptions, maxBytes: number): Promise<FetchResult> {
  const path = fileURLToPath(url);
  const info = await stat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return null;
    throw new PluginError(`cannot read ${path}: ${e.code ?? e.message}`, { retry: e.code !== "EACCES" });
  });
  const headers = new Headers();
  if (info === null || !info.isFile()) return { url: url.href, status: 404, headers, body: Buffer.alloc(0) };
  const lastModified = new Date(Math.floor(info.mtimeMs / 1000) * 1000);
  const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  headers.set("last-modified", lastModified.toUTCString());
  headers.set("etag", etag);
  const ifNoneMatch = opts.headers?.["If-None-Match"] ?? opts.headers?.["if-none-match"];
  const ifModifiedSince = opts.headers?.["If-Modified-Since"] ?? opts.headers?.["if-modified-since"];
  const unchanged =
    ifNoneMatch !== undefined
      ? ifNoneMatch === etag
      : ifModifiedSince !== undefined && Date.parse(ifModifiedSince) >= lastModified.getTime();
  if (unchanged) return { url: url.href, status: 304, headers, body: Buffer.alloc(0) };
  const label = opts.label ?? url.href;
  if (info.size > maxBytes) throw tooLarge(label, maxBytes);
  const body = await readCapped(createReadStream(path, { signal: opts.signal }), label, maxBytes);
  return { url: url.href, status: 200, headers, body };
}

function networkError(e: unknown, what: string, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return signal.reason instanceof Error ? signal.reason : e;
  if (e instanceof PluginError) return e;
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.code ?? cause?.message ?? (e as Error).message;
  return new PluginError(`${what} failed: ${detail}`, { retry: true, cause: e });
}

export async function fetchBounded(spec: string, opts: FetchOptions = {}): Promise<FetchResult> {
  const url = sourceUrl(spec);
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const method = opts.method ?? "GET";
  const label = opts.label ?? url.href;
  const signals = [
    opts.signal,
    opts.timeoutMs === undefined ? undefined : AbortSignal.timeout(opts.timeoutMs),
  ];
  const active = signals.filter((s): s is AbortSignal => s !== undefined);
  const signal = active.length > 1 ? AbortSignal.any(active) : active[0];
  try {
    if (url.protocol === "file:") return await readFileSource(url, { ...opts, signal }, maxBytes);
    const init: RequestInit = { method, redirect: "follow" };
    if (opts.headers !== undefined) init.headers = opts.headers;
    if (opts.body !== undefined) init.body = opts.body;
    if (signal !== undefined) init.signal = signal;
    const res = await fetch(url, init);
    const declared = Number(res.headers.get("content-length"));
    if (Number.isFinite(declared) && declared > maxBytes) {
      await res.body?.cancel();
      throw tooLarge(label, maxBytes);
    }
    const body = res.body === null ? Buffer.alloc(0) : await readCapped(res.body, label, maxBytes);
    return { url: res.url || url.href, status: res.status, headers: res.headers, body };
  } catch (e) {
    if (signal?.aborted && !opts.signal?.aborted && opts.timeoutMs !== undefined)
      throw new PluginError(`${method} ${label} timed out after ${opts.timeoutMs} ms`, { retry: true });
    throw networkError(e, `${method} ${label}`, signal);
  }
}

/**
 * The error for a response that was not 2xx (or 304), with a retry that fits it: a client error
 * needs the operator (wrong URL, revoked token) and is not retried, except the ones that mean
 * "later" (408, 425, 429); a server error is.
 */
export function httpError(result: FetchResult, what = `GET ${result.url}`): PluginError {
  const retry =
    result.status >= 500 || result.status === 408 || result.status === 425 || result.status === 429;
  const excerpt = result.body.toString("utf8", 0, Math.min(result.body.length, 200)).trim();
  const detail = excerpt === "" ? "" : `: ${excerpt}`;
  return new PluginError(`${what}: HTTP ${result.status}${detail}`, { retry });
}
