/** Small pieces the chaos runs share: a seeded PRNG, one HTTP request, /proc readings, stats. */
import { readdirSync, readFileSync } from "node:fs";
import { type Agent, request } from "node:http";

/** mulberry32: a tiny seeded PRNG so a failing run can be replayed with its seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type HttpOutcome =
  | { status: number; body: string; ms: number }
  | { status: null; error: string; ms: number };

/**
 * One HTTP request on 127.0.0.1 that always settles: with the answer, or with the error code
 * (ECONNREFUSED, ECONNRESET, "timeout", ...) when none came within `timeoutMs`.
 */
export function httpRequest(
  port: number,
  opts: {
    path: string;
    method?: string;
    headers?: Record<string, string | number>;
    body?: string | Buffer;
    timeoutMs: number;
    agent?: Agent | false;
    /** Called once the whole request has been handed to the socket. */
    onSent?: () => void;
  },
): Promise<HttpOutcome> {
  const started = performance.now();
  const ms = () => performance.now() - started;
  return new Promise((resolve) => {
    let settled = false;
    const settle = (o: HttpOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(o);
    };
    const headers: Record<string, string | number> = { ...opts.headers };
    if (opts.body !== undefined && headers["content-length"] === undefined) {
      headers["content-length"] = Buffer.byteLength(opts.body);
    }
    const req = request({
      host: "127.0.0.1",
      port,
      path: opts.path,
      method: opts.method ?? "POST",
      headers,
      agent: opts.agent ?? false,
    });
    const timer = setTimeout(() => {
      req.destroy();
      settle({ status: null, error: "timeout", ms: ms() });
    }, opts.timeoutMs);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        settle({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), ms: ms() }),
      );
      res.on("error", (e: NodeJS.ErrnoException) =>
        settle({ status: null, error: e.code ?? e.message, ms: ms() }),
      );
    });
    req.on("error", (e: NodeJS.ErrnoException) =>
      settle({ status: null, error: e.code ?? e.message, ms: ms() }),
    );
    req.end(opts.body, () => opts.onSent?.());
  });
}

/** VmRSS and VmHWM (peak RSS) of a process, in KiB; null once it is gone. */
export function memoryKiB(pid: number): { rss: number; hwm: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return null;
  }
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN);
  return { rss: field("VmRSS"), hwm: field("VmHWM") };
}

/** How many file descriptors a process holds open; null once it is gone. */
export function openFds(pid: number): number | null {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

/** The q-quantile (0..1) of a list of numbers, nearest rank; NaN for an empty list. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Resolves after `ms`: for pacing load loops only, never to wait for an outcome. */
export function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
