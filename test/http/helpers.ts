/** Real HTTP against the real daemon (a child process) for the webhook tests. */
import { createHmac } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliJson } from "../helpers/cli.js";
import { DaemonProcess } from "../helpers/daemon.js";
import { fixturePluginsDir } from "../helpers/paths.js";

export const SECRET = "It's a Secret to Everybody";
export const OLD_SECRET = "the previous secret";

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function hmacHex(body: string | Buffer, secret = SECRET): string {
  return createHmac("sha256", secret).update(body).digest("hex");
}

export interface WebhookDaemon {
  daemon: DaemonProcess;
  port: number;
  dir: string;
  config: string;
  outDir: string;
  /** The request the recorder plugin received for a job (after the job succeeded). */
  received(jobId: string): { started_ms: number; request: Record<string, unknown> };
  jobs(): { id: string; status: string; plugin: string }[];
}

/**
 * Endpoints: /hook/github (GitHub-style, dedupe on X-GitHub-Delivery), /hook/rotate (two
 * secrets), /hook/small (64 B cap), /hook/off (plugin disabled).
 */
export async function startWebhookDaemon(env: Record<string, string> = {}): Promise<WebhookDaemon> {
  const dir = mkdtempSync(join(tmpdir(), "postern-http-"));
  const outDir = join(dir, "received");
  mkdirSync(outDir);
  const config = join(dir, "postern.yaml");
  writeFileSync(
    config,
    `service: { state_dir: ./data, log_level: debug, shutdown_grace: 2s }
plugins_dir: ${fixturePluginsDir}
plugins:
  webhook-recorder:
    config: { out_dir: ${outDir} }
    retry: { max_attempts: 2, backoff_base: 100ms }
  scripted:
    enabled: false
webhooks:
  listen: 127.0.0.1:0
  endpoints:
    - path: /hook/github
      plugin: webhook-recorder
      secret: ${JSON.stringify(SECRET)}
      signature_header: X-Hub-Signature-256
      event_type: github.webhook
      dedupe_header: X-GitHub-Delivery
    - path: /hook/rotate
      plugin: webhook-recorder
      secrets: [${JSON.stringify(SECRET)}, ${JSON.stringify(OLD_SECRET)}]
      signature_header: X-Signature
    - path: /hook/small
      plugin: webhook-recorder
      secret: ${JSON.stringify(SECRET)}
      max_body_size: 64B
    - path: /hook/off
      plugin: scripted
      secret: ${JSON.stringify(SECRET)}
`,
  );
  const daemon = await DaemonProcess.start(config, env);
  const listening = await daemon.waitFor((l) => /^listening on http:/.test(l.message));
  return {
    daemon,
    port: listening.port as number,
    dir,
    config,
    outDir,
    received: (jobId) => JSON.parse(readFileSync(join(outDir, `${jobId}.json`), "utf8")),
    jobs: () => {
      const r = cliJson<{ id: string; status: string; plugin: string }[]>([
        "jobs",
        "list",
        "--limit",
        "1000",
        "--config",
        config,
      ]);
      if (r.status !== 0) throw new Error(`jobs list failed: ${r.stderr}`);
      return r.json;
    },
  };
}

export interface SendOptions {
  method?: string;
  headers?: Record<string, string | number>;
  body?: string | Buffer;
  /** Sent with Transfer-Encoding: chunked, in pieces of this many bytes. */
  chunked?: number;
}

/**
 * One request on a fresh connection. Resolves with the response even when the server closes
 * the connection while the body is still being sent (it may answer 413 early); rejects only
 * when no response arrives at all.
 */
export function send(port: number, path: string, opts: SendOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const body = opts.body === undefined ? undefined : Buffer.from(opts.body);
    const headers: Record<string, string | number> = { ...opts.headers };
    if (body !== undefined && opts.chunked === undefined && headers["content-length"] === undefined) {
      headers["content-length"] = body.length;
    }
    const req = request({
      host: "127.0.0.1",
      port,
      path,
      method: opts.method ?? "POST",
      headers,
      agent: false,
    });
    let answered = false;
    req.on("response", (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
      res.on("error", reject);
    });
    req.on("error", (e) => {
      if (!answered) reject(e);
    });
    if (body === undefined) {
      req.end();
    } else if (opts.chunked === undefined) {
      req.end(body);
    } else {
      writeInPieces(req, body, opts.chunked, () => answered);
    }
  });
}

function writeInPieces(
  req: ReturnType<typeof request>,
  body: Buffer,
  piece: number,
  answered: () => boolean,
): void {
  let offset = 0;
  const next = () => {
    while (offset < body.length && !answered() && !req.destroyed) {
      const ok = req.write(body.subarray(offset, offset + piece));
      offset += piece;
      if (!ok) {
        req.once("drain", next);
        return;
      }
    }
    if (!answered() && !req.destroyed) req.end();
  };
  next();
}

/** A GitHub-style signed JSON delivery. */
export function github(
  port: number,
  payload: unknown,
  opts: { delivery?: string; signature?: string; path?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-github-event": "push",
    ...opts.headers,
  };
  headers["x-hub-signature-256"] = opts.signature ?? `sha256=${hmacHex(body)}`;
  if (opts.delivery !== undefined) headers["x-github-delivery"] = opts.delivery;
  return send(port, opts.path ?? "/hook/github", { body, headers });
}
