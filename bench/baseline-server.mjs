// The benchmark's baseline (SPEC §15): the least a node:http server can do and still accept a
// signed webhook durably. Same raw-body read with a cap, same HMAC-SHA256 constant-time check,
// same JSON parse, and the same insert into the same jobs table with the same pragmas (WAL,
// synchronous=FULL) and indexes as Postern's store. No routing table, logging or metrics.
// Usage: node bench/baseline-server.mjs DB_FILE SECRET  (prints {"port": N} once listening)
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import Database from "better-sqlite3";
import { v7 as uuidv7 } from "uuid";

const [file, secret] = process.argv.slice(2);
const CAP = 1024 * 1024;

const db = new Database(file);
db.pragma("journal_mode = WAL");
db.pragma("busy_timeout = 5000");
db.pragma("synchronous = FULL");
db.exec(`
  CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, plugin TEXT NOT NULL,
    command TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL, attempt INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL, submitted_by TEXT NOT NULL, dedupe_key TEXT,
    created_at TEXT NOT NULL, started_at TEXT, completed_at TEXT, next_retry_at TEXT,
    last_error TEXT, parent_job_id TEXT, source_event_id TEXT, route_depth INTEGER NOT NULL DEFAULT 0,
    pgid INTEGER, proc_start_time TEXT);
  CREATE INDEX IF NOT EXISTS jobs_status_seq ON jobs (status, seq);
  CREATE INDEX IF NOT EXISTS jobs_ready_fresh ON jobs (seq) WHERE status = 'queued' AND next_retry_at IS NULL;
  CREATE INDEX IF NOT EXISTS jobs_ready_retry ON jobs (next_retry_at, seq)
    WHERE status = 'queued' AND next_retry_at IS NOT NULL;
  CREATE INDEX IF NOT EXISTS jobs_plugin_seq ON jobs (plugin, seq);
  CREATE INDEX IF NOT EXISTS jobs_outstanding ON jobs (plugin, command) WHERE status IN ('queued','running');
  CREATE INDEX IF NOT EXISTS jobs_dedupe ON jobs (plugin, command, dedupe_key, completed_at)
    WHERE dedupe_key IS NOT NULL AND status = 'succeeded';
`);
const insert = db.prepare(`
  INSERT INTO jobs (id, plugin, command, payload, status, attempt, max_attempts, submitted_by,
                    dedupe_key, created_at, source_event_id)
  VALUES (?, 'noop', 'handle', ?, 'queued', 1, 4, 'webhook', NULL, ?, ?)`);

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
    const given = Buffer.from(
      String(req.headers["x-hub-signature-256"] ?? "").replace(/^sha256=/, ""),
      "hex",
    );
    const expected = createHmac("sha256", secret).update(body).digest();
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return reply(res, 403, "");
    let payload;
    try {
      payload = JSON.parse(body.toString("utf8"));
    } catch {
      return reply(res, 400, "");
    }
    const eventId = uuidv7();
    const jobId = uuidv7();
    const now = new Date().toISOString();
    // The same row as Postern's: the event carries the request's headers too.
    const event = {
      event_id: eventId,
      type: "webhook",
      source: "webhook:/hook",
      timestamp: now,
      payload,
      webhook: { path: "/hook", headers: req.headers, query: {}, content_type: req.headers["content-type"] },
    };
    insert.run(jobId, JSON.stringify(event), now, eventId);
    reply(res, 202, JSON.stringify({ job_id: jobId }));
  });
});

function reply(res, code, text) {
  res.writeHead(code, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
  db.close();
  process.exit(0);
});
