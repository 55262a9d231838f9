/**
 * The listener in-process, for what the real daemon cannot be made to do on demand: a commit
 * that fails (503), an unexpected exception (500), a database that cannot be read (degraded),
 * and a stop with a request in flight.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterEach, describe, it } from "node:test";
import Database from "better-sqlite3";
import type { ServiceDeps } from "../../src/contracts/service.js";
import { systemClock, systemRandom } from "../../src/core/clock.js";
import { loadRuntime } from "../../src/daemon/runtime.js";
import { HttpListener } from "../../src/http/server.js";
import { httpTimeouts } from "../../src/http/timeouts.js";
import { createLogger } from "../../src/log/logger.js";
import {
  DB_FILE,
  type EnqueueInput,
  type EnqueueResult,
  openStore,
  type Store,
} from "../../src/store/index.js";
import { fixturePluginsDir } from "../helpers/paths.js";
import { hmacHex, type Reply, SECRET, send } from "./helpers.js";

interface Harness {
  listener: HttpListener;
  port: number;
  store: Store;
  stateDir: string;
  logs: Record<string, unknown>[];
}

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.listener.stop();
    h.store.close();
  }
});

async function harness(
  submit?: (store: Store, input: EnqueueInput) => EnqueueResult,
  listen = "127.0.0.1:0",
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), "postern-listener-"));
  const file = join(dir, "postern.yaml");
  writeFileSync(
    file,
    `service: { state_dir: ./data }
plugins_dir: ${fixturePluginsDir}
plugins:
  ok: {}
webhooks:
  listen: ${listen}
  endpoints:
    - { path: /hook, plugin: ok, secret: ${JSON.stringify(SECRET)} }
`,
  );
  const runtime = loadRuntime(file, {});
  const stateDir = join(dir, "data");
  const store = openStore(stateDir, { clock: systemClock });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write: (chunk, _e, cb) => {
      logs.push(JSON.parse(String(chunk)));
      cb();
    },
  });
  const ctx: ServiceDeps = {
    store,
    clock: systemClock,
    random: systemRandom,
    log: createLogger({ level: "debug", destination: sink }),
    runtime: () => runtime,
    submit: (input) => (submit ?? ((s, i) => s.enqueueJob(i, { dedupeTtlMs: 86_400_000 })))(store, input),
    submitBatch: (inputs) =>
      submit
        ? inputs.map((input) => submit(store, input))
        : store.enqueueJobs(inputs, { dedupeTtlMs: 86_400_000 }),
    startedAt: Date.now(),
  };
  const listener = new HttpListener(ctx, httpTimeouts({ POSTERN_BODY_TIMEOUT_MS: "500" }));
  try {
    await listener.start();
  } catch (e) {
    store.close();
    throw e;
  }
  const h = { listener, port: listener.address?.port as number, store, stateDir, logs };
  open.push(h);
  return h;
}

const signed = (port: number, body = '{"a":1}') =>
  send(port, "/hook", {
    body,
    headers: { "content-type": "application/json", "x-hub-signature-256": `sha256=${hmacHex(body)}` },
  });

describe("the listener, in-process", () => {
  it("logs its bound address; a non-loopback address logs a WARN", async () => {
    const local = await harness();
    const line = local.logs.find((l) => l.message === `listening on http://127.0.0.1:${local.port}`);
    assert.equal(line?.port, local.port);
    assert.ok(!local.logs.some((l) => l.level === "warn"));
    const all = await harness(undefined, "0.0.0.0:0");
    const warn = all.logs.find((l) => l.level === "warn");
    assert.match(String(warn?.message), /^webhooks\.listen 0\.0\.0\.0 is not a loopback address/);
  });

  it("an address in use fails the start with a message naming webhooks.listen", async () => {
    const first = await harness();
    await assert.rejects(harness(undefined, `127.0.0.1:${first.port}`), (e: Error) => {
      assert.match(
        e.message,
        new RegExp(`cannot listen on 127\\.0\\.0\\.1:${first.port} \\(webhooks\\.listen\\): EADDRINUSE`),
      );
      return true;
    });
  });

  it("503 when the commit fails (SQLITE_BUSY past the busy timeout); nothing is queued", async () => {
    const h = await harness();
    // Another connection holds the write lock; a short busy timeout keeps the test fast.
    (h.store as unknown as { ctx: { db: Database.Database } }).ctx.db.pragma("busy_timeout = 50");
    const other = new Database(join(h.stateDir, DB_FILE));
    other.exec("BEGIN IMMEDIATE");
    const busy = await signed(h.port);
    assert.equal(busy.status, 503);
    assert.deepEqual(JSON.parse(busy.body), { error: "could not queue the event; retry later" });
    other.exec("ROLLBACK");
    other.close();
    assert.equal(h.store.listQueue().length, 0);
    assert.ok(h.logs.some((l) => l.level === "error" && l.code === "SQLITE_BUSY"));
    // Once the lock is gone the sender's retry succeeds.
    assert.equal((await signed(h.port)).status, 202);
  });

  it("500 without details on an unexpected exception, logged with the error", async () => {
    const h = await harness(() => {
      throw new Error("secret internals");
    });
    const r = await signed(h.port);
    assert.equal(r.status, 500);
    assert.ok(!r.body.includes("secret internals"));
    assert.ok(h.logs.some((l) => l.level === "error" && l.err === "secret internals" && l.stack));
  });

  it("/healthz is degraded (503, still JSON with a reason) when the database cannot be read", async () => {
    const h = await harness();
    const ok = JSON.parse((await send(h.port, "/healthz", { method: "GET" })).body);
    assert.equal(ok.status, "ok");
    h.store.close();
    const r = await send(h.port, "/healthz", { method: "GET" });
    assert.equal(r.status, 503);
    const body = JSON.parse(r.body);
    assert.equal(body.status, "degraded");
    assert.match(body.reason, /^database cannot be read/);
    assert.equal(typeof body.uptime_seconds, "number");
    assert.ok(!r.body.includes(h.stateDir), "no paths");
    const metrics = await send(h.port, "/metrics", { method: "GET" });
    assert.equal(metrics.status, 200, "metrics still answer");
    assert.match(metrics.body, /^postern_database_readable 0$/m);
  });

  it("a refused body is never invited: Expect: 100-continue with an oversize Content-Length → 413", async () => {
    const h = await harness();
    const r = await expectContinue(h.port, 2 * 1024 * 1024, (req) => req.end());
    assert.equal(r.continued, false);
    assert.equal(r.reply.status, 413);
  });

  it("stop: closes at once when idle, lets a request in flight finish, and then closes its connection", async () => {
    const h = await harness();
    const body = '{"in":"flight"}';
    let stopped: Promise<void> | null = null;
    const r = await expectContinue(h.port, body.length, (req) => {
      // The request is in the handler, reading its body: stop now, then send the body.
      stopped = h.listener.stop();
      req.end(body);
    });
    assert.equal(r.continued, true);
    assert.equal(r.reply.status, 202);
    assert.equal(r.reply.headers.connection, "close");
    await stopped;
    assert.equal(h.store.listQueue().length, 1, "the job was committed");
    await assert.rejects(send(h.port, "/healthz", { method: "GET" }), /ECONNREFUSED/);
  });
});

/** A POST with Expect: 100-continue; `onContinue` gets the request once the server invites the body. */
function expectContinue(
  port: number,
  length: number,
  onContinue: (req: ReturnType<typeof request>) => void,
): Promise<{ continued: boolean; reply: Reply }> {
  return new Promise((resolve, reject) => {
    const body = '{"in":"flight"}';
    let continued = false;
    const req = request({
      host: "127.0.0.1",
      port,
      path: "/hook",
      method: "POST",
      agent: false,
      headers: {
        expect: "100-continue",
        "content-length": length,
        "content-type": "application/json",
        "x-hub-signature-256": hmacHex(body),
      },
    });
    req.on("continue", () => {
      continued = true;
      onContinue(req);
    });
    req.on("response", (res) => {
      let text = "";
      res.on("data", (c) => {
        text += c;
      });
      res.on("end", () =>
        resolve({ continued, reply: { status: res.statusCode ?? 0, headers: res.headers, body: text } }),
      );
    });
    req.on("error", reject);
    req.flushHeaders();
  });
}
