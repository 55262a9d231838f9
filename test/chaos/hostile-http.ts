/**
 * Hostile HTTP at volume (SPEC §10): against ONE real daemon, for a bounded time and count,
 * every kind of bad request arrives at once — malformed request lines and headers on raw
 * sockets, slowloris connections trickling headers or bodies, oversized and endless chunked
 * bodies, thousands of bad signatures, unknown paths, wrong methods, invalid JSON — while a
 * steady stream of valid signed webhooks must keep getting 202 quickly.
 *
 * Afterwards it asserts: every hostile request got the answer it should (table in
 * docs/chaos.md), the jobs in the database are exactly the valid 202s (nothing was enqueued
 * from hostile traffic), /healthz answered 200 throughout, the daemon's memory stayed bounded
 * while gigabytes were thrown at it, and its open file descriptors came back to where they
 * started (no leaked sockets). `npm run chaos` runs it for a minute; the quick variant in
 * `npm test` for a few seconds.
 */
import { createHmac } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { Agent } from "node:http";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../../src/core/clock.js";
import { PROVIDER_NAMES, PROVIDERS, type ProviderName } from "../../src/core/webhook-verify/index.js";
import { openStore } from "../../src/store/index.js";
import { DaemonProcess } from "../helpers/daemon.js";
import { fixturePluginsDir } from "../helpers/paths.js";
import { PROVIDER_SECRETS, SIGNERS } from "../helpers/webhook-signers.js";
import { httpRequest, memoryKiB, openFds, pause, quantile, seeded } from "./util.js";

export interface HostileOptions {
  /** How long hostile traffic is started for (every request also ends within its own bound). */
  seconds: number;
  seed: number;
  /** Multiplies the per-category volumes (1 = the `npm run chaos` rates). */
  volume?: number;
  /** POSTERN_BODY_TIMEOUT_MS for the daemon: the slow-body 408 arrives after this. */
  bodyTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface CategoryReport {
  name: string;
  /** What each request of the category is, in a few words. */
  what: string;
  sent: number;
  /** The answers that are right for it: status codes. */
  expected: string[];
  /** Every outcome seen: a status code, "closed" (no answer), "timeout" or "error:<code>". */
  observed: Record<string, number>;
  /** Up to 5 examples of wrong outcomes, with the case that produced them. */
  wrong: string[];
  /** The longest any request of the category took to its outcome, in ms. */
  max_ms: number;
  /** Bytes the client sent past max_body_size (oversize categories only). */
  bytesPastCap?: number;
}

export interface LatencyReport {
  sent: number;
  ok: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

export interface HostileReport {
  dir: string;
  seed: number;
  seconds: number;
  categories: CategoryReport[];
  valid: LatencyReport & { accepted: number };
  healthz: LatencyReport;
  jobsInDb: number;
  integrity: string;
  rss: { start_kib: number; peak_kib: number; growth_kib: number; bound_kib: number };
  fds: { start: number; peak: number; end: number };
  problems: string[];
}

const SECRET = "hostile-http secret";
const PATH = "/hook/valid";
/** max_body_size of the endpoint; kept small so oversize cases cross it quickly. */
const CAP = 256 * 1024;
/** Node's headers timeout (src/http/timeouts.ts) plus its 2 s check interval. */
const HEADERS_TIMEOUT_MS = 10_000 + 2_000;
/**
 * A valid webhook must be answered within this: half of the 10 s that GitHub and most
 * senders wait before they call a delivery failed.
 */
const VALID_LATENCY_BOUND_MS = 5_000;
/**
 * The daemon's resident memory may grow by at most this over the run. By design it holds at
 * most max_body_size per request being read (a few dozen at once here: < 16 MB); the rest is
 * room for V8's heap and garbage-collection slack. The run pushes far more than this past the
 * caps (reported as bytesPastCap), so a daemon that buffered what it should discard fails.
 */
const RSS_GROWTH_BOUND_KIB = 96 * 1024;
/** Endless chunked bodies: this many at once, each this long (both far past RSS_GROWTH_BOUND). */
const CHUNKED_STREAMS = 3;
const CHUNKED_BYTES = 64 * 1024 * 1024;
/** Open fds may exceed the start value by this after the run (a plugin pipe, a WAL reader). */
const FD_SLACK = 4;

/** The provider presets (SPEC §17), each on its own endpoint; `hmac` is the endpoint above. */
const PRESETS = PROVIDER_NAMES.filter((p) => p !== "hmac");

/** Deliveries a preset must refuse: [name, headers for (body, now)]. */
function presetBadCases(p: ProviderName): [string, (body: Buffer, now: number) => Record<string, string>][] {
  const secret = PROVIDER_SECRETS[p];
  const cases: [string, (body: Buffer, now: number) => Record<string, string>][] = [
    ["other secret", (b, t) => SIGNERS[p]("not the secret", b, t)],
    ["signature of another body", (b, t) => SIGNERS[p](secret, Buffer.concat([b, Buffer.from(" ")]), t)],
    ["no headers", () => ({})],
    [
      "malformed (value cut short)",
      (b, t) => {
        const h = SIGNERS[p](secret, b, t);
        const name = Object.keys(h).find((k) => /signature|token|hmac/.test(k)) as string;
        return { ...h, [name]: (h[name] as string).slice(0, -3) };
      },
    ],
  ];
  // GitLab sends a token, not a signature: another body with the right token is genuine.
  if (p === "gitlab") cases.splice(1, 1);
  if (PROVIDERS[p].signsTimestamp) {
    cases.push(["stale timestamp", (b, t) => SIGNERS[p](secret, b, t - 3600)]);
    cases.push(["future timestamp", (b, t) => SIGNERS[p](secret, b, t + 3600)]);
  }
  if (p === "stripe")
    cases.push([
      "100 signatures",
      (_b, t) => ({ "stripe-signature": `t=${t},${`v1=${"0".repeat(64)},`.repeat(99)}v1=${"1".repeat(64)}` }),
    ]);
  if (p === "standard")
    cases.push([
      "100 signatures",
      (b, t) => ({
        ...SIGNERS.standard(secret, b, t),
        "webhook-signature": Array(100)
          .fill(`v1,${Buffer.alloc(32).toString("base64")}`)
          .join(" "),
      }),
    ]);
  return cases;
}

function sign(body: string | Buffer, secret = SECRET): string {
  return createHmac("sha256", secret).update(body).digest("hex");
}

class Tally {
  readonly report: CategoryReport;
  /** Outcomes that were wrong for their own case (a category may mix cases with different codes). */
  wrongCount = 0;
  constructor(name: string, what: string, expected: string[]) {
    this.report = { name, what, sent: 0, expected, observed: {}, wrong: [], max_ms: 0 };
  }
  record(outcome: string, caseName: string, ms: number, expected = this.report.expected): void {
    const r = this.report;
    r.sent += 1;
    r.max_ms = Math.max(r.max_ms, Math.round(ms));
    r.observed[outcome] = (r.observed[outcome] ?? 0) + 1;
    if (expected.includes(outcome)) return;
    this.wrongCount += 1;
    if (r.wrong.length < 5) r.wrong.push(`${caseName}: got ${outcome}, expected ${expected.join(" or ")}`);
  }
}

/** A raw request case: the bytes, and the status the daemon must answer with. */
interface RawCase {
  name: string;
  data: string | Buffer;
  expect: string;
}

const H = "Host: 127.0.0.1\r\n";
const RAW_CASES: RawCase[] = [
  {
    name: "tls-hello",
    data: Buffer.from([0x16, 3, 1, 0, 0xa5, 1, 0, 0, 0xa1, 3, 3, 13, 10, 13, 10]),
    expect: "400",
  },
  {
    name: "invalid header name (space)",
    data: `POST ${PATH} HTTP/1.1\r\n${H}Bad Header: y\r\n\r\n`,
    expect: "400",
  },
  {
    name: "invalid header name (parens)",
    data: `POST ${PATH} HTTP/1.1\r\n${H}X(y): z\r\n\r\n`,
    expect: "400",
  },
  { name: "empty header name", data: `POST ${PATH} HTTP/1.1\r\n${H}: z\r\n\r\n`, expect: "400" },
  { name: "non-ASCII header name", data: `POST ${PATH} HTTP/1.1\r\n${H}X-\u00e9: z\r\n\r\n`, expect: "400" },
  {
    name: "Content-Length abc",
    data: `POST ${PATH} HTTP/1.1\r\n${H}Content-Length: abc\r\n\r\n`,
    expect: "400",
  },
  {
    name: "Content-Length -1",
    data: `POST ${PATH} HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n`,
    expect: "400",
  },
  {
    name: "Content-Length overflow",
    data: `POST ${PATH} HTTP/1.1\r\n${H}Content-Length: 99999999999999999999999\r\n\r\n`,
    expect: "400",
  },
  {
    name: "two different Content-Lengths",
    data: `POST ${PATH} HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!`,
    expect: "400",
  },
  {
    name: "Content-Length and Transfer-Encoding",
    data: `POST ${PATH} HTTP/1.1\r\n${H}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    expect: "400",
  },
  {
    name: "Transfer-Encoding gzip (not chunked)",
    data: `POST ${PATH} HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\n\r\n`,
    expect: "400",
  },
  {
    name: "bad chunk size",
    data: `POST ${PATH} HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`,
    expect: "400",
  },
  { name: "NUL in a header value", data: `POST ${PATH} HTTP/1.1\r\n${H}X-A: a\0b\r\n\r\n`, expect: "400" },
  { name: "NUL in the target", data: `POST /hook/va\0lid HTTP/1.1\r\n${H}\r\n`, expect: "400" },
  // HTTP/0.9 request lines: Node's parser takes them as requests without headers and answers
  // in HTTP/1.1, closing. Harmless: /healthz answers, an endpoint refuses the unsigned body.
  { name: "HTTP/0.9 GET /healthz", data: "GET /healthz\r\n\r\n", expect: "200" },
  { name: "HTTP/0.9 POST endpoint", data: `POST ${PATH}\r\n\r\n`, expect: "403" },
  { name: "HTTP/9.9", data: `GET /healthz HTTP/9.9\r\n${H}\r\n`, expect: "400" },
  { name: "HTTP/2 preface", data: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", expect: "400" },
  { name: "unknown method", data: `FOO ${PATH} HTTP/1.1\r\n${H}\r\n`, expect: "400" },
  { name: "no Host header", data: "GET /healthz HTTP/1.1\r\n\r\n", expect: "400" },
  { name: "LF-only line ends", data: "GET /healthz HTTP/1.1\nHost: x\n\n", expect: "400" },
  { name: "bare CR in a header", data: `GET /healthz HTTP/1.1\r\n${H}X: a\rb\r\n\r\n`, expect: "400" },
  { name: "obsolete line folding", data: `GET /healthz HTTP/1.1\r\n${H}X-A: a\r\n b\r\n\r\n`, expect: "400" },
  { name: "space before colon", data: `GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n`, expect: "400" },
  {
    name: "20 KB header (> 16 KB)",
    data: `POST ${PATH} HTTP/1.1\r\n${H}X-Big: ${"a".repeat(20_000)}\r\n\r\n`,
    expect: "431",
  },
  {
    name: "3000 headers",
    data: `GET /healthz HTTP/1.1\r\n${H}${Array.from({ length: 3000 }, (_, i) => `X-${i}: 1\r\n`).join("")}\r\n`,
    expect: "431",
  },
  { name: "20 KB target", data: `GET /${"a".repeat(20_000)} HTTP/1.1\r\n${H}\r\n`, expect: "431" },
];

/** Random bytes that do not start like a method, ended by a blank line: a parse error at once. */
function garbage(random: () => number): RawCase {
  const n = 1 + Math.floor(random() * 300);
  const bytes = Buffer.alloc(n + 4);
  for (let i = 0; i < n; i++) bytes[i] = Math.floor(random() * 256);
  // A first byte outside A-Z cannot begin a method token.
  bytes[0] = 0x80 + Math.floor(random() * 0x80);
  bytes.write("\r\n\r\n", n, "latin1");
  return { name: `${n} random bytes`, data: bytes, expect: "400" };
}

interface RawResult {
  outcome: string;
  ms: number;
}

/**
 * One connection: `write` sends whatever it likes while the answer is awaited. The outcome is
 * the status code of the first response, else "closed" (no answer, closed or reset), else
 * "timeout". With `keepWriting`, the response does not stop the writer: like a hostile client
 * it goes on until it is done or the socket breaks.
 */
function rawExchange(
  port: number,
  opts: {
    timeoutMs: number;
    keepWriting?: boolean;
    write: (s: Socket, answered: () => boolean) => Promise<void> | void;
  },
): Promise<RawResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    // Half-open allowed: a hostile client goes on writing after the server's FIN.
    const socket = connect({ host: "127.0.0.1", port, allowHalfOpen: true });
    let head = "";
    let status: string | null = null;
    let done = false;
    let writerDone = false;
    const finish = (outcome: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ outcome, ms: performance.now() - started });
    };
    const timer = setTimeout(() => finish(status ?? "timeout"), opts.timeoutMs);
    socket.on("data", (d: Buffer) => {
      if (status !== null) return;
      head += d.toString("latin1");
      const m = /^HTTP\/1\.[01] (\d{3}) /.exec(head);
      if (m !== null && head.includes("\r\n\r\n")) {
        status = m[1] as string;
        if (!opts.keepWriting || writerDone) finish(status);
      } else if (head.length > 8192) {
        finish("garbled");
      }
    });
    socket.on("error", () => {});
    socket.on("close", () => finish(status ?? "closed"));
    socket.on("end", () => {
      if (!opts.keepWriting || status === null) finish(status ?? "closed");
    });
    socket.on("connect", () => {
      Promise.resolve(opts.write(socket, () => status !== null || done))
        .then(() => {
          writerDone = true;
          if (!opts.keepWriting) return;
          if (status !== null) finish(status);
          // Done sending: our FIN lets a lingering server close at once.
          else if (!socket.destroyed) socket.end();
        })
        .catch(() => {});
    });
  });
}

/** Writes without outrunning the socket; false once the socket is gone. */
async function writeAll(s: Socket, data: string | Buffer): Promise<boolean> {
  if (s.destroyed || !s.writable) return false;
  if (s.write(data)) return true;
  return new Promise((resolve) => {
    const onDrain = () => {
      s.off("close", onClose);
      resolve(true);
    };
    const onClose = () => {
      s.off("drain", onDrain);
      resolve(false);
    };
    s.once("drain", onDrain);
    s.once("close", onClose);
  });
}

/**
 * Runs `once` in `concurrency` loops, at most `count` times, spread evenly over the window
 * from `from` to `until` (run i starts no earlier than its share of the window), and none
 * started after `until`.
 */
async function loop(
  concurrency: number,
  count: number,
  window: { from: number; until: () => number },
  once: (i: number) => Promise<void>,
): Promise<void> {
  let started = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < count && Date.now() < window.until()) {
        const i = started++;
        const due = window.from + (i * (window.until() - window.from)) / count;
        if (due > Date.now()) await pause(due - Date.now());
        if (Date.now() >= window.until()) return;
        await once(i);
      }
    }),
  );
}

export async function runHostileHttp(opts: HostileOptions): Promise<HostileReport> {
  const log = opts.log ?? (() => {});
  const random = seeded(opts.seed);
  const volume = opts.volume ?? 1;
  const bodyTimeoutMs = opts.bodyTimeoutMs ?? 800;
  const dir = mkdtempSync(join(tmpdir(), "postern-hostile-"));
  const configFile = join(dir, "postern.yaml");
  writeFileSync(
    configFile,
    `service: { state_dir: ./data, shutdown_grace: 2s, log_level: info }
plugins_dir: ${fixturePluginsDir}
plugins:
  ok: {}
webhooks:
  listen: "127.0.0.1:0"
  endpoints:
    - path: ${PATH}
      plugin: ok
      secret: ${JSON.stringify(SECRET)}
      signature_header: X-Signature
      max_body_size: ${CAP}B
${PRESETS.map((p) => `    - { path: /hook/p-${p}, plugin: ok, provider: ${p}, secret: ${JSON.stringify(PROVIDER_SECRETS[p])} }`).join("\n")}
`,
  );
  const problems: string[] = [];
  const daemon = await DaemonProcess.start(configFile, { POSTERN_BODY_TIMEOUT_MS: String(bodyTimeoutMs) });
  const port = (await daemon.waitFor((l) => /^listening on http:/.test(l.message))).port as number;
  const pid = daemon.pid;

  // Warm up: one valid webhook through to its job's end, so the baseline includes a plugin run.
  const acceptedIds = new Set<string>();
  const warm = await postValid(port, -1);
  if (warm.status !== 202) throw new Error(`warm-up webhook answered ${warm.status ?? warm.error}`);
  acceptedIds.add((JSON.parse(warm.body) as { job_id: string }).job_id);
  await daemon.waitForJob([...acceptedIds][0] as string, "succeeded");
  const fdStart = openFds(pid) ?? 0;
  const memStart = memoryKiB(pid);
  if (memStart === null) throw new Error("the daemon is gone before the hostile run started");
  log(`hostile http: daemon pid ${pid} on port ${port}, ${fdStart} fds, RSS ${memStart.rss} KiB`);

  const t0 = Date.now();
  const until = t0 + opts.seconds * 1000;
  let fdPeak = fdStart;
  let rssPeak = memStart.rss;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const m = memoryKiB(pid);
      const f = openFds(pid);
      if (m !== null) rssPeak = Math.max(rssPeak, m.rss);
      if (f !== null) fdPeak = Math.max(fdPeak, f);
      await pause(100);
    }
  })();

  const keepAlive = new Agent({ keepAlive: true, maxSockets: 8 });
  const hostile = { from: t0, until: () => until };
  // Valid traffic and /healthz go on until the last hostile connection is answered: a
  // slowloris wave outlasts the window by up to the headers timeout.
  let hostileDone = false;
  const steadyUntil = until + HEADERS_TIMEOUT_MS + 10_000;
  const steady = { from: t0, until: () => (hostileDone ? 0 : steadyUntil) };
  const n = (perSecond: number) => Math.max(1, Math.round(perSecond * opts.seconds * volume));

  // --- valid traffic, throughout -------------------------------------------------------------
  const validLatencies: number[] = [];
  let validSent = 0;
  let validOk = 0;
  const validWrong: string[] = [];
  const valid = loop(1, n(20) + Math.ceil(HEADERS_TIMEOUT_MS / 50), steady, async (i) => {
    validSent += 1;
    const r = await postValid(port, i);
    validLatencies.push(r.ms);
    if (r.status === 202) {
      acceptedIds.add((JSON.parse(r.body) as { job_id: string }).job_id);
      if (r.ms <= VALID_LATENCY_BOUND_MS) validOk += 1;
      else if (validWrong.length < 5) validWrong.push(`valid webhook #${i} took ${Math.round(r.ms)} ms`);
    } else if (validWrong.length < 5) {
      validWrong.push(`valid webhook #${i}: ${r.status ?? r.error} ${r.status === null ? "" : r.body}`);
    }
  });

  const healthLatencies: number[] = [];
  let healthSent = 0;
  let healthOk = 0;
  const healthz = loop(1, Math.ceil((opts.seconds * 1000 + HEADERS_TIMEOUT_MS) / 250), steady, async () => {
    healthSent += 1;
    const r = await httpRequest(port, { path: "/healthz", method: "GET", timeoutMs: 5_000 });
    healthLatencies.push(r.ms);
    if (r.status === 200) healthOk += 1;
    else problems.push(`/healthz during the run answered ${r.status ?? r.error}`);
  });

  // --- raw malformed requests ----------------------------------------------------------------
  const malformed = new Tally(
    "malformed",
    "raw-socket garbage, bad header names, bad Content-Length, CL+TE, NUL, HTTP/0.9, bad versions",
    ["400", "200", "403"],
  );
  const oversizedHeaders = new Tally("header too large", "a 20 KB header, 3000 headers, a 20 KB target", [
    "431",
  ]);
  const rawCases = RAW_CASES.filter((c) => c.expect !== "431");
  const bigCases = RAW_CASES.filter((c) => c.expect === "431");
  // Each kind cycles through its own cases, so every case is sent (and checked) again and again.
  let nextRaw = 0;
  let nextBig = 0;
  const raw = loop(2, n(40), hostile, async (i) => {
    const c =
      i % 4 === 3
        ? garbage(random)
        : i % 7 === 5
          ? (bigCases[nextBig++ % bigCases.length] as RawCase)
          : (rawCases[nextRaw++ % rawCases.length] as RawCase);
    const r = await rawExchange(port, { timeoutMs: 5_000, write: (s) => void s.write(c.data) });
    (c.expect === "431" ? oversizedHeaders : malformed).record(r.outcome, c.name, r.ms, [c.expect]);
  });

  // --- slowloris: headers trickling ----------------------------------------------------------
  const slowHeaders = new Tally(
    "slowloris headers",
    "connections sending a header byte every 500 ms, never finishing",
    ["408"],
  );
  const slowHeadersRun = (async () => {
    const perWave = Math.max(10, Math.round(40 * volume));
    do {
      await Promise.all(
        Array.from({ length: perWave }, () =>
          rawExchange(port, {
            timeoutMs: HEADERS_TIMEOUT_MS + 5_000,
            write: async (s, answered) => {
              if (!(await writeAll(s, `POST ${PATH} HTTP/1.1\r\n${H}`))) return;
              for (let k = 0; k < 200 && !answered(); k++) {
                await pause(500);
                if (!(await writeAll(s, "X-Slow: a\r\n".charAt(k % 11)))) return;
              }
            },
          }).then((r) => slowHeaders.record(r.outcome, "trickled headers", r.ms)),
        ),
      );
    } while (Date.now() + HEADERS_TIMEOUT_MS < until);
  })();

  // --- slow bodies -> 408 ----------------------------------------------------------------------
  const slowBody = new Tally(
    "slow body",
    `a valid Content-Length, then a body byte every 100 ms (body timeout ${bodyTimeoutMs} ms)`,
    ["408"],
  );
  const slowBodyRun = loop(Math.max(2, Math.round(10 * volume)), n(8), hostile, async () => {
    const body = JSON.stringify({ slow: true, pad: "x".repeat(400) });
    const r = await rawExchange(port, {
      timeoutMs: bodyTimeoutMs + 5_000,
      write: async (s, answered) => {
        const head = `POST ${PATH} HTTP/1.1\r\n${H}Content-Type: application/json\r\nX-Signature: ${sign(body)}\r\nContent-Length: ${body.length}\r\n\r\n`;
        if (!(await writeAll(s, head))) return;
        for (let k = 0; k < body.length - 1 && !answered(); k++) {
          if (!(await writeAll(s, body.charAt(k)))) return;
          await pause(100);
        }
      },
    });
    slowBody.record(r.outcome, "trickled body", r.ms);
  });

  // --- oversized bodies ----------------------------------------------------------------------
  const declaredTooLarge = new Tally(
    "Content-Length too large",
    "Content-Length 1 GB, then 1 MB of body regardless of the answer",
    ["413"],
  );
  declaredTooLarge.report.bytesPastCap = 0;
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const declaredRun = loop(2, n(4), hostile, async () => {
    let written = 0;
    const r = await rawExchange(port, {
      timeoutMs: 10_000,
      keepWriting: true,
      write: async (s) => {
        const head = `POST ${PATH} HTTP/1.1\r\n${H}Content-Type: application/json\r\nX-Signature: ${"0".repeat(64)}\r\nContent-Length: 1000000000\r\n\r\n`;
        if (!(await writeAll(s, head))) return;
        while (written < 1024 * 1024) {
          if (!(await writeAll(s, chunk))) return;
          written += chunk.length;
        }
      },
    });
    declaredTooLarge.report.bytesPastCap! += Math.max(0, written - CAP);
    declaredTooLarge.record(r.outcome, "declared 1 GB", r.ms);
  });

  const chunkedTooLarge = new Tally(
    "chunked past the cap",
    `bursts of ${CHUNKED_STREAMS} connections at once, each a 64 MB chunked body sent on regardless of the answer`,
    ["413"],
  );
  chunkedTooLarge.report.bytesPastCap = 0;
  const chunkHead = Buffer.from(`${chunk.length.toString(16)}\r\n`);
  const crlf = Buffer.from("\r\n");
  const oneChunked = async () => {
    let written = 0;
    const r = await rawExchange(port, {
      timeoutMs: 15_000,
      keepWriting: true,
      write: async (s) => {
        const head = `POST ${PATH} HTTP/1.1\r\n${H}Content-Type: application/json\r\nX-Signature: ${"0".repeat(64)}\r\nTransfer-Encoding: chunked\r\n\r\n`;
        if (!(await writeAll(s, head))) return;
        while (written < CHUNKED_BYTES) {
          if (!(await writeAll(s, Buffer.concat([chunkHead, chunk, crlf])))) return;
          written += chunk.length;
        }
        await writeAll(s, "0\r\n\r\n");
      },
    });
    chunkedTooLarge.report.bytesPastCap! += Math.max(0, written - CAP);
    chunkedTooLarge.record(r.outcome, "chunked, endless", r.ms);
  };
  // At once, so that a daemon buffering what it should drop would hold them all together.
  const chunkedRun = loop(1, n(0.25), hostile, async () => {
    await Promise.all(Array.from({ length: CHUNKED_STREAMS }, oneChunked));
  });

  // --- bad signatures at volume --------------------------------------------------------------
  const badSig = new Tally(
    "bad signature",
    "wrong MAC, other secret, wrong length, non-hex, base64, empty, missing; 403 with an empty body",
    ["403"],
  );
  const sigCases: [string, (body: string) => string | undefined][] = [
    ["wrong MAC", () => `sha256=${sign(String(random()))}`],
    ["other secret", (b) => `sha256=${sign(b, "not the secret")}`],
    ["wrong MAC, bare upper-case", () => sign(String(random())).toUpperCase()],
    ["63 hex digits", (b) => sign(b).slice(1)],
    ["65 hex digits", (b) => `${sign(b)}0`],
    ["128 hex digits", (b) => sign(b).repeat(2)],
    ["2 hex digits", () => "ab"],
    ["non-hex, right length", (b) => `sha256=${sign(b).slice(0, 63)}g`],
    ["base64 of the right MAC", (b) => createHmac("sha256", SECRET).update(b).digest("base64")],
    ["prefix only", () => "sha256="],
    ["empty", () => ""],
    ["missing", () => undefined],
    ["MAC of another body", (b) => `sha256=${sign(`${b} `)}`],
  ];
  const badSigRun = loop(4, n(80), hostile, async (i) => {
    const [name, make] = sigCases[i % sigCases.length]!;
    const body = JSON.stringify({ hostile: i, pad: "y".repeat(Math.floor(random() * 2000)) });
    const sig = make(body);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (sig !== undefined) headers["x-signature"] = sig;
    const r = await httpRequest(port, { path: PATH, body, headers, timeoutMs: 10_000, agent: keepAlive });
    let outcome = r.status === null ? `error:${r.error}` : String(r.status);
    if (r.status === 403 && r.body !== "") outcome = "403 with a body";
    badSig.record(outcome, name, r.ms);
  });

  // --- bad signatures for every provider preset ----------------------------------------------
  const badPreset = new Tally(
    "bad provider signature",
    "every preset (github, gitea, gitlab, stripe, slack, shopify, standard): other secret, other body, missing headers, malformed, stale and future timestamps, 100 signatures in one header; 403 with an empty body",
    ["403"],
  );
  const presetCases = PRESETS.flatMap((p) =>
    presetBadCases(p).map(([name, make]) => [p, name, make] as const),
  );
  const badPresetRun = loop(2, n(40), hostile, async (i) => {
    const [provider, name, make] = presetCases[i % presetCases.length]!;
    const body = Buffer.from(JSON.stringify({ hostile: i }));
    const headers = { "content-type": "application/json", ...make(body, Math.floor(Date.now() / 1000)) };
    const r = await httpRequest(port, {
      path: `/hook/p-${provider}`,
      body,
      headers,
      timeoutMs: 10_000,
      agent: keepAlive,
    });
    let outcome = r.status === null ? `error:${r.error}` : String(r.status);
    if (r.status === 403 && r.body !== "") outcome = "403 with a body";
    badPreset.record(outcome, `${provider}: ${name}`, r.ms);
  });

  // --- routing and parsing: 404, 405, 400 ---------------------------------------------------
  const notFound = new Tally("unknown path", "paths near the endpoint's, with and without a body", ["404"]);
  const badMethod = new Tally(
    "wrong method",
    "GET/PUT/DELETE/PATCH/HEAD/OPTIONS on the endpoint, POST /healthz, POST /, DELETE /jobs",
    ["405"],
  );
  const badJson = new Tally("invalid JSON", "correctly signed bodies that are not UTF-8 JSON", ["400"]);
  const paths = [
    "/nothing-here",
    "/hook",
    `${PATH}/`,
    "/HOOK/VALID",
    `${PATH}x`,
    "/hook/valid%2f",
    "/hook/../hook/valid",
    "/.env",
  ];
  const methods: [string, string][] = [
    ["GET", PATH],
    ["PUT", PATH],
    ["DELETE", PATH],
    ["PATCH", PATH],
    ["HEAD", PATH],
    ["OPTIONS", PATH],
    ["POST", "/healthz"],
    // The dashboard's pages are read-only: GET and HEAD only.
    ["POST", "/"],
    ["DELETE", "/jobs"],
  ];
  const jsonBodies: (string | Buffer)[] = [
    "{",
    "not json",
    "[1,2",
    "",
    Buffer.from([0xff, 0xfe, 0x7b, 0x7d]),
    '{"a":1}x',
  ];
  const routingRun = loop(2, n(40), hostile, async (i) => {
    if (i % 3 === 0) {
      const path = paths[i % paths.length] as string;
      const withBody = i % 2 === 0;
      const r = await httpRequest(port, {
        path,
        method: "POST",
        body: withBody ? "{}" : undefined,
        headers: { "x-signature": sign("{}") },
        timeoutMs: 5_000,
        agent: keepAlive,
      });
      notFound.record(r.status === null ? `error:${r.error}` : String(r.status), `POST ${path}`, r.ms);
    } else if (i % 3 === 1) {
      const [method, path] = methods[i % methods.length]!;
      const r = await httpRequest(port, { path, method, timeoutMs: 5_000, agent: keepAlive });
      badMethod.record(r.status === null ? `error:${r.error}` : String(r.status), `${method} ${path}`, r.ms);
    } else {
      const body = jsonBodies[i % jsonBodies.length] as string | Buffer;
      const r = await httpRequest(port, {
        path: PATH,
        body,
        headers: { "content-type": "application/json", "x-signature": sign(body) },
        timeoutMs: 5_000,
        agent: keepAlive,
      });
      badJson.record(
        r.status === null ? `error:${r.error}` : String(r.status),
        `body ${JSON.stringify(body.toString())}`,
        r.ms,
      );
    }
  });

  // Correctly signed JSON nested past the 128-level limit (src/core/json-depth.ts): refused as a
  // client error, never a 500 (the sender would retry forever) and never queued. 100,000 levels
  // of arrays is 200 KB, under CAP; 4,100 is about where JSON.stringify used to run out of stack.
  // An object level is 6 bytes, so objects stop at 40,000 levels (240 KB): 100,000 of them would
  // be 600 KB, over CAP, and rightly refused as too large (413) before anyone parses it.
  const deepJson = new Tally(
    "deep JSON",
    "correctly signed JSON bodies nested 129 to 100,000 levels, all under the body cap",
    ["400"],
  );
  const depths = [129, 1_000, 4_100, 20_000, 100_000];
  const deepRun = loop(1, n(4), hostile, async (i) => {
    const arrays = i % 2 === 0;
    const depth = Math.min(depths[i % depths.length] as number, arrays ? Number.POSITIVE_INFINITY : 40_000);
    const open = arrays ? "[" : '{"a":';
    const close = arrays ? "]" : "}";
    const body = `${open.repeat(depth)}1${close.repeat(depth)}`;
    if (body.length > CAP) throw new Error(`deep JSON: a ${body.length} B body is over the ${CAP} B cap`);
    const r = await httpRequest(port, {
      path: PATH,
      body,
      headers: { "content-type": "application/json", "x-signature": sign(body) },
      timeoutMs: 5_000,
      agent: keepAlive,
    });
    deepJson.record(
      r.status === null ? `error:${r.error}` : String(r.status),
      `body nested ${depth} levels`,
      r.ms,
    );
  });

  await Promise.all([
    raw,
    slowBodyRun,
    declaredRun,
    chunkedRun,
    badSigRun,
    badPresetRun,
    routingRun,
    deepRun,
  ]);
  log(`hostile http: short requests done after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await slowHeadersRun;
  hostileDone = true;
  await Promise.all([valid, healthz]);
  keepAlive.destroy();
  log(`hostile http: all traffic done after ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // --- after: the daemon serves, frees its sockets, enqueued exactly the valid ones ---------
  const after = await httpRequest(port, { path: "/healthz", method: "GET", timeoutMs: 5_000 });
  if (after.status !== 200) problems.push(`/healthz after the run answered ${after.status ?? after.error}`);
  const last = await postValid(port, -2);
  if (last.status === 202) acceptedIds.add((JSON.parse(last.body) as { job_id: string }).job_id);
  else problems.push(`a valid webhook after the run answered ${last.status ?? last.error}`);

  const store = openStore(join(dir, "data"), { clock: systemClock });
  const settleDeadline = Date.now() + 20_000;
  let fdEnd = openFds(pid) ?? -1;
  // Lingering closes take up to 2 s, jobs still queued hold a plugin's pipes while they run.
  while (Date.now() < settleDeadline) {
    fdEnd = openFds(pid) ?? -1;
    const busy = store.queueStats(Date.now()).queue_depth > 0 || store.listQueue().length > 0;
    if (!busy && fdEnd <= fdStart + FD_SLACK) break;
    await pause(100);
  }
  sampling = false;
  await sampler;
  const memEnd = memoryKiB(pid);
  // VmHWM is the peak since the process started: it counts only if it rose during the run.
  const peak = Math.max(rssPeak, memEnd !== null && memEnd.hwm > memStart.hwm ? memEnd.hwm : 0);
  if (fdEnd > fdStart + FD_SLACK) {
    problems.push(`the daemon holds ${fdEnd} fds after the run, ${fdStart} before: sockets leaked`);
  }
  const growth = peak - memStart.rss;
  if (growth > RSS_GROWTH_BOUND_KIB) {
    problems.push(
      `the daemon's RSS grew by ${growth} KiB (bound ${RSS_GROWTH_BOUND_KIB} KiB): it buffered what it should have dropped`,
    );
  }

  const audit = store.audit();
  store.close();
  const inDb = new Set(audit.jobs.map((j) => j.id));
  for (const id of inDb) {
    if (!acceptedIds.has(id))
      problems.push(`job ${id} is in the database but was never answered 202: enqueued from hostile traffic`);
  }
  for (const id of acceptedIds) {
    if (!inDb.has(id)) problems.push(`job ${id} was answered 202 but is not in the database`);
  }
  if (audit.integrity !== "ok") problems.push(`integrity_check: ${audit.integrity}`);

  const errors = daemon.lines.filter((l) => l.level === "error" || l.level === "fatal");
  for (const l of errors.slice(0, 5)) problems.push(`daemon logged an error: ${l.message}`);
  if (daemon.child.exitCode !== null || daemon.child.signalCode !== null) {
    problems.push(`the daemon exited during the run (${daemon.child.exitCode ?? daemon.child.signalCode})`);
  }
  const stopped = await daemon.stop();
  if (stopped.code !== 0)
    problems.push(`the daemon did not stop cleanly on SIGTERM: exit ${stopped.code ?? stopped.signal}`);

  const categories = [
    malformed,
    oversizedHeaders,
    slowHeaders,
    slowBody,
    declaredTooLarge,
    chunkedTooLarge,
    badSig,
    badPreset,
    notFound,
    badMethod,
    badJson,
    deepJson,
  ];
  for (const t of categories) {
    if (t.report.sent === 0) problems.push(`${t.report.name}: nothing was sent`);
    if (t.wrongCount > 0)
      problems.push(`${t.report.name}: ${t.wrongCount} wrong answers, e.g. ${t.report.wrong.join("; ")}`);
  }
  if (validOk !== validSent) {
    problems.push(
      `valid webhooks: ${validSent - validOk} of ${validSent} not answered 202 within ${VALID_LATENCY_BOUND_MS} ms, e.g. ${validWrong.join("; ")}`,
    );
  }
  if (healthOk !== healthSent) problems.push(`/healthz: ${healthSent - healthOk} of ${healthSent} not 200`);

  const lat = (values: number[], sent: number, ok: number): LatencyReport => ({
    sent,
    ok,
    p50_ms: round1(quantile(values, 0.5)),
    p99_ms: round1(quantile(values, 0.99)),
    max_ms: round1(Math.max(...values)),
  });
  return {
    dir,
    seed: opts.seed,
    seconds: round1((Date.now() - t0) / 1000),
    categories: categories.map((t) => t.report),
    valid: { ...lat(validLatencies, validSent, validOk), accepted: acceptedIds.size },
    healthz: lat(healthLatencies, healthSent, healthOk),
    jobsInDb: inDb.size,
    integrity: audit.integrity,
    rss: { start_kib: memStart.rss, peak_kib: peak, growth_kib: growth, bound_kib: RSS_GROWTH_BOUND_KIB },
    fds: { start: fdStart, peak: fdPeak, end: fdEnd },
    problems,
  };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

function postValid(port: number, i: number) {
  const body = JSON.stringify({ valid: i, at: Date.now() });
  return httpRequest(port, {
    path: PATH,
    body,
    headers: { "content-type": "application/json", "x-signature": `sha256=${sign(body)}` },
    timeoutMs: 10_000,
  });
}
