// Issue 21 item 1, experiment: the group-commit alternatives, each as a stand-alone server doing
// exactly the baseline's work per request (bench/baseline-server.mjs: capped raw body, HMAC-SHA256
// constant-time check, JSON parse, one insert into the same jobs table, WAL, synchronous=FULL):
//   per-request  one transaction per request (the baseline, and V1's Postern);
//   immediate    requests read while a commit runs join the next one, batched on setImmediate
//                (what src/http/group-commit.ts does);
//   worker       a writer in a worker thread batches whatever is waiting while it commits, so the
//                fsync overlaps the main thread's parsing and HMAC.
// `--dispatch` adds a dispatcher's commits: a loop that commits one fsync'd single-row update after
// another (claim and completion of no-op jobs). In the first two modes it commits on the main
// thread, between requests; in `worker` mode it sends them to the same writer, so they share its
// transactions ("one shared writer for listener and dispatcher").
// Every 202 is sent after the transaction holding its row has committed.
// Usage: node group-commit-server.mjs DB_FILE SECRET MODE [--dispatch]  (prints {"port": N})
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { Worker } from "node:worker_threads";
import Database from "better-sqlite3";
import { v7 as uuidv7 } from "uuid";

const [file, secret, mode] = process.argv.slice(2);
const dispatch = process.argv.includes("--dispatch");
const CAP = 1024 * 1024;
const MAX_BATCH = 256;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, plugin TEXT NOT NULL,
    command TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL, attempt INTEGER NOT NULL,
    created_at TEXT NOT NULL, source_event_id TEXT);
  CREATE INDEX IF NOT EXISTS jobs_status_seq ON jobs (status, seq);
  CREATE TABLE IF NOT EXISTS dispatched (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);
  INSERT OR IGNORE INTO dispatched (id, n) VALUES (1, 0);`;
const INSERT = `INSERT INTO jobs (id, plugin, command, payload, status, attempt, created_at, source_event_id)
  VALUES (?, 'noop', 'handle', ?, 'queued', 1, ?, ?)`;
const DISPATCH = "UPDATE dispatched SET n = n + 1 WHERE id = 1";

function open() {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("busy_timeout = 5000");
  db.pragma("synchronous = FULL");
  return db;
}

/** The writer's side: rows to insert and dispatcher commits, in one transaction per batch. */
function writerOf(db) {
  const insert = db.prepare(INSERT);
  const bump = db.prepare(DISPATCH);
  return db.transaction((rows, bumps) => {
    for (const r of rows) insert.run(r.id, r.payload, r.at, r.delivery);
    for (let i = 0; i < bumps; i++) bump.run();
  });
}

let commit; // (row) => Promise<void>
let dispatchCommit; // () => Promise<void>
const db = open();
db.exec(SCHEMA);

if (mode === "per-request") {
  const write = writerOf(db);
  commit = async (row) => write([row], 0);
  dispatchCommit = async () => write([], 1);
} else if (mode === "immediate") {
  // As src/http/group-commit.ts: the first request at idle commits at once; the commit stays "in
  // flight" until the next check phase, and what the loop read meanwhile commits together there.
  const write = writerOf(db);
  const queue = [];
  let busy = false;
  const commitNext = () => {
    busy = true;
    const batch = queue.splice(0, MAX_BATCH);
    try {
      write(
        batch.filter((w) => w.row).map((w) => w.row),
        batch.filter((w) => w.bump).length,
      );
      for (const w of batch) w.resolve();
    } catch (e) {
      for (const w of batch) w.reject(e);
    }
    setImmediate(() => {
      if (queue.length > 0) commitNext();
      else busy = false;
    });
  };
  const submit = (w) =>
    new Promise((resolve, reject) => {
      queue.push({ ...w, resolve, reject });
      if (!busy) commitNext();
    });
  commit = (row) => submit({ row });
  dispatchCommit = () => submit({ bump: true });
} else if (mode === "worker") {
  db.close();
  const worker = new Worker(new URL(import.meta.url), { argv: [file, secret, "writer-thread"] });
  const waiting = new Map();
  let next = 0;
  worker.on("message", (m) => {
    for (const id of m.done) {
      waiting.get(id)?.();
      waiting.delete(id);
    }
  });
  worker.on("error", (e) => {
    process.stderr.write(`writer thread: ${e.stack}\n`);
    process.exit(1);
  });
  commit = (row) =>
    new Promise((resolve) => {
      const id = next++;
      waiting.set(id, resolve);
      worker.postMessage({ id, row });
    });
  dispatchCommit = () =>
    new Promise((resolve) => {
      const id = next++;
      waiting.set(id, resolve);
      worker.postMessage({ id, bump: true });
    });
} else if (mode === "writer-thread") {
  // Inside the worker: take everything that arrived while the last commit ran.
  const { parentPort } = await import("node:worker_threads");
  const write = writerOf(db);
  const queue = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const batch = queue.splice(0, MAX_BATCH);
    write(
      batch.filter((m) => m.row).map((m) => m.row),
      batch.filter((m) => m.bump).length,
    );
    parentPort.postMessage({ done: batch.map((m) => m.id) });
    if (queue.length > 0) schedule();
  };
  const schedule = () => {
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  parentPort.on("message", (m) => {
    queue.push(m);
    schedule();
  });
} else {
  throw new Error(`mode ${mode}: one of per-request, immediate, worker`);
}

if (mode !== "writer-thread") {
  if (dispatch) {
    // The dispatcher stand-in: commits back to back, yielding to the loop between them.
    const loop = () => dispatchCommit().then(() => setImmediate(loop));
    loop();
  }
  const server = createServer((req, res) => {
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size <= CAP) chunks.push(chunk);
    });
    req.on("end", () => {
      if (size > CAP) return reply(res, 413, "");
      const body = Buffer.concat(chunks, size);
      const given = Buffer.from(String(req.headers["x-hub-signature-256"] ?? ""));
      const want = Buffer.from(`sha256=${createHmac("sha256", secret).update(body).digest("hex")}`);
      if (given.length !== want.length || !timingSafeEqual(given, want)) return reply(res, 401, "");
      let payload;
      try {
        payload = JSON.parse(body.toString("utf8"));
      } catch {
        return reply(res, 400, "");
      }
      const id = uuidv7();
      commit({
        id,
        payload: JSON.stringify({ body: payload }),
        at: new Date().toISOString(),
        delivery: String(req.headers["x-github-delivery"] ?? id),
      }).then(
        () => reply(res, 202, `{"job_id":"${id}"}`),
        () => reply(res, 503, ""),
      );
    });
  });
  function reply(res, status, text) {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(text);
  }
  server.listen(0, "127.0.0.1", () => {
    process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
  });
  process.on("SIGTERM", () => {
    server.close();
    process.exit(0);
  });
}
