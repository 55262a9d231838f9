/**
 * `postern backup` against the real daemon under webhook load (SPEC §19): the copy passes
 * integrity_check and holds every job whose 202 came before the backup started; it refuses to
 * overwrite without --force; a missing directory is a clear error and leaves no file behind.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import type { DaemonProcess } from "../helpers/daemon.js";
import { cliAsync, opsEnv, startDaemon } from "./helpers.js";

const running: DaemonProcess[] = [];
after(async () => {
  await Promise.all(running.map((d) => d.stop()));
});

async function webhook(port: number, n: number): Promise<string> {
  const body = JSON.stringify({ n });
  const r = await fetch(`http://127.0.0.1:${port}/hook/s`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-hub-signature-256": `sha256=${createHmac("sha256", "s3cret").update(body).digest("hex")}`,
    },
    body,
  });
  assert.equal(r.status, 202);
  return ((await r.json()) as { job_id: string }).job_id;
}

describe("postern backup", () => {
  it("a copy taken under webhook load is intact and holds every job committed before it started", async () => {
    const env = opsEnv();
    env.write(`webhooks:
  listen: "127.0.0.1:0"
  endpoints:
    - { path: /hook/s, plugin: scripted, secret: s3cret }
plugins:
  scripted: {}
`);
    const { daemon, port } = await startDaemon(env);
    running.push(daemon);
    const accepted: string[] = [];
    let n = 0;
    let stop = false;
    // Four senders keep webhooks arriving during the backup; bounded in count.
    const senders = Array.from({ length: 4 }, async () => {
      while (!stop && n < 400) accepted.push(await webhook(port, n++));
    });
    while (accepted.length < 40) await webhook(port, n++).then((id) => accepted.push(id));
    const before = [...accepted];
    const target = join(env.dir, "backup.db");
    const r = await cliAsync(["backup", target, "--config", env.file, "--json"]);
    stop = true;
    await Promise.all(senders);
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout) as {
      file: string;
      bytes: number;
      duration_ms: number;
      integrity: string;
    };
    assert.equal(result.file, target);
    assert.equal(result.integrity, "ok");
    assert.ok(result.bytes > 0);
    assert.ok(accepted.length > before.length, "webhooks kept arriving around the backup");

    const copy = new Database(target, { readonly: true });
    try {
      assert.equal(copy.pragma("integrity_check", { simple: true }), "ok");
      const ids = new Set(copy.prepare("SELECT id FROM jobs").pluck().all() as string[]);
      const missing = before.filter((id) => !ids.has(id));
      assert.deepEqual(missing, [], "every job acknowledged before the backup started is in it");
      assert.equal(copy.pragma("journal_mode", { simple: true }), "delete", "a single self-contained file");
    } finally {
      copy.close();
    }

    const again = await cliAsync(["backup", target, "--config", env.file]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /backup\.db already exists; pass --force to overwrite it/);
    const forced = await cliAsync(["backup", target, "--force", "--config", env.file]);
    assert.equal(forced.status, 0, forced.stderr);
    assert.match(
      forced.stdout,
      /^backup written to .*backup\.db: [\d.]+ [KM]?B in [\d.]+ s, \d+ jobs, integrity_check ok/,
    );
  });

  it("a missing directory is a clear error and leaves no file; no database yet is said so", async () => {
    const env = opsEnv();
    env.write("plugins: {}\n");
    const none = await cliAsync(["backup", join(env.dir, "b.db"), "--config", env.file]);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /no database at .* yet: nothing to back up/);
    const { daemon } = await startDaemon(env);
    running.push(daemon);
    const r = await cliAsync(["backup", join(env.dir, "nope", "b.db"), "--config", env.file]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /the directory .*nope does not exist; create it first/);
    assert.equal(existsSync(join(env.dir, "nope")), false);
    // A target that cannot be written (a directory in the way of the rename): no partial file.
    const blocked = join(env.dir, "blocked");
    writeFileSync(join(env.dir, "marker"), "");
    mkdirSync(join(blocked, "b.db"), { recursive: true });
    const failed = await cliAsync(["backup", join(blocked, "b.db"), "--force", "--config", env.file]);
    assert.equal(failed.status, 1);
    assert.match(failed.stderr, /backup to .*b\.db failed: .*no partial file was left/);
    assert.deepEqual(readdirSync(blocked), ["b.db"], "the temp copy was removed");
  });
});
