/**
 * /healthz and /metrics while commits fail (issue 22, item 10): the real daemon, whose job
 * inserts SQLite refuses for real (a trigger added from another connection stands in for a
 * full disk), then accepts again.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { hmacHex, send, startWebhookDaemon, type WebhookDaemon } from "./helpers.js";

const health = async (port: number) => {
  const r = await send(port, "/healthz", { method: "GET" });
  return { status: r.status, body: JSON.parse(r.body) as Record<string, unknown> };
};

const commitFailures = async (port: number): Promise<number> => {
  const text = (await send(port, "/metrics", { method: "GET" })).body;
  const line = text.split("\n").find((l) => l.startsWith("postern_commit_failures_total "));
  assert.ok(line, "postern_commit_failures_total is exported");
  return Number(line.split(" ")[1]);
};

const hook = (port: number, body: string) =>
  send(port, "/hook/rotate", {
    body,
    headers: { "content-type": "application/json", "x-signature": `sha256=${hmacHex(body)}` },
  });

describe("/healthz while commits fail", () => {
  let w: WebhookDaemon;
  before(async () => {
    w = await startWebhookDaemon();
  });
  after(async () => {
    await w.daemon.stop();
  });

  it("is degraded with the reason from the first failed commit until one succeeds; /metrics counts them", async () => {
    const fresh = await health(w.port);
    assert.equal(fresh.status, 200);
    assert.equal(fresh.body.status, "ok");
    assert.equal(fresh.body.last_commit_error, null);
    assert.equal(await commitFailures(w.port), 0);

    const db = new Database(join(w.dir, "data", "postern.db"));
    db.exec("CREATE TRIGGER refuse_jobs BEFORE INSERT ON jobs BEGIN SELECT RAISE(ABORT, 'refused'); END");
    try {
      for (const n of [1, 2]) assert.equal((await hook(w.port, `{"n":${n}}`)).status, 503);
      const failing = await health(w.port);
      assert.equal(failing.status, 503);
      assert.equal(failing.body.status, "degraded");
      const last = failing.body.last_commit_error as { code: string; at: string };
      assert.match(last.code, /^SQLITE_CONSTRAINT/);
      assert.ok(Math.abs(Date.parse(last.at) - Date.now()) < 60_000, last.at);
      assert.equal(
        failing.body.reason,
        `commits are failing (${last.code} at ${last.at}); webhooks get 503 until one succeeds`,
      );
      assert.equal(typeof failing.body.queue_depth, "number", "the rest of the report is still there");
      assert.equal(await commitFailures(w.port), 2);
    } finally {
      db.exec("DROP TRIGGER refuse_jobs");
      db.close();
    }

    assert.equal((await hook(w.port, '{"n":3}')).status, 202);
    const recovered = await health(w.port);
    assert.equal(recovered.status, 200);
    assert.equal(recovered.body.status, "ok");
    assert.equal(recovered.body.reason, undefined);
    assert.equal((recovered.body.last_commit_error as { code: string }).code.startsWith("SQLITE_"), true);
    assert.equal(await commitFailures(w.port), 2, "a counter: the failures stay counted");
  });
});
