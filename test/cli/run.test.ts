/** `postern run` through the real CLI, against a real database and no daemon. */
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { Job } from "../../src/store/index.js";
import { cli, cliJson, tempConfig } from "../helpers/cli.js";
import { enqueue, finishNext, ok, setup, withStore } from "./operator-fixture.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("postern run", () => {
  it("enqueues a poll job submitted by cli, prints its id, and warns that no daemon runs", () => {
    const s = setup();
    const r = cli(["run", "ok", "--config", s.file]);
    assert.equal(r.status, 0, r.stderr);
    const id = r.stdout.trim();
    assert.match(id, UUID);
    assert.match(r.stderr, /no postern daemon is running.*will run when it starts/);
    const job = withStore(s, (store) => store.getJob(id));
    assert.equal(job?.status, "queued");
    assert.equal(job?.command, "poll");
    assert.equal(job?.submitted_by, "cli");
    assert.equal(job?.max_attempts, 3, "from plugins.ok.retry.max_attempts");
  });

  it("--event makes a handle job whose payload is the §5.1 event; --json prints {job_id}", () => {
    const s = setup();
    const r = cliJson<{ job_id: string }>([
      "run",
      "ok",
      "--config",
      s.file,
      "--event",
      '{"type":"alert","payload":{"n":1}}',
      "--dedupe-key",
      "k1",
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(Object.keys(r.json), ["job_id"]);
    const job = withStore(s, (store) => store.getJob(r.json.job_id));
    assert.equal(job?.command, "handle");
    assert.equal(job?.dedupe_key, "k1");
    const event = job?.payload as Record<string, unknown>;
    assert.deepEqual(Object.keys(event).sort(), [
      "dedupe_key",
      "event_id",
      "payload",
      "source",
      "timestamp",
      "type",
    ]);
    assert.equal(event.type, "alert");
    assert.deepEqual(event.payload, { n: 1 });
    assert.equal(event.source, "cli");
  });

  it("the queue shows the new job, oldest first", () => {
    const s = setup();
    const first = cli(["run", "ok", "--config", s.file]).stdout.trim();
    const second = cli(["run", "exit-78", "--config", s.file]).stdout.trim();
    const q = cliJson<Job[]>(["queue", "--config", s.file]);
    assert.equal(q.status, 0);
    assert.deepEqual(
      q.json.map((j) => j.id),
      [first, second],
    );
    const human = cli(["queue", "--config", s.file]);
    assert.match(human.stdout, /^ID\s+PLUGIN\s+COMMAND\s+STATUS/);
    assert.ok(human.stdout.indexOf(first) < human.stdout.indexOf(second));
  });

  it("a dedupe hit prints duplicate_of, enqueues nothing, and exits 0", () => {
    const s = setup();
    enqueue(s, "ok", { dedupeKey: "daily-2026-02-08" });
    const done = finishNext(s, ok());
    const r = cliJson<{ duplicate_of: string }>([
      "run",
      "ok",
      "--config",
      s.file,
      "--dedupe-key",
      "daily-2026-02-08",
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.json, { duplicate_of: done });
    assert.match(r.stderr, /already succeeded/);
    const human = cli(["run", "ok", "--config", s.file, "--dedupe-key", "daily-2026-02-08"]);
    assert.equal(human.status, 0);
    assert.equal(human.stdout.trim(), `duplicate of ${done}`);
    assert.equal(
      withStore(s, (store) => store.listQueue().length),
      0,
    );
    // Scope is plugin + command: the same key for handle is not a duplicate of the poll.
    const handle = cliJson<{ job_id?: string }>([
      "run",
      "ok",
      "--config",
      s.file,
      "--event",
      '{"type":"x"}',
      "--dedupe-key",
      "daily-2026-02-08",
    ]);
    assert.match(handle.json.job_id ?? "", UUID);
  });

  it("refuses a plugin that is not configured, or disabled (exit 1)", () => {
    const s = setup();
    const unknown = cli(["run", "nope", "--config", s.file]);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /plugin "nope" is not in .*postern\.yaml/);
    const disabled = cli(["run", "error-status", "--config", s.file]);
    assert.equal(disabled.status, 1);
    assert.match(disabled.stderr, /error-status is disabled/);
    assert.doesNotMatch(disabled.stderr, /at .*\.js/, "no stack trace");
  });

  it("refuses a command the manifest does not declare (exit 1)", () => {
    const plugins = mkdtempSync(join(tmpdir(), "postern-plugins-"));
    after(() => rmSync(plugins, { recursive: true, force: true }));
    mkdirSync(join(plugins, "pollonly"));
    writeFileSync(
      join(plugins, "pollonly", "manifest.yaml"),
      'name: pollonly\nversion: "1"\nprotocol: 1\nentrypoint: run\ncommands: [poll]\n',
    );
    writeFileSync(join(plugins, "pollonly", "run"), '#!/bin/sh\necho \'{"status":"ok"}\'\n');
    chmodSync(join(plugins, "pollonly", "run"), 0o755);
    const { file } = tempConfig(
      `plugins_dir: ${plugins}\nservice: { state_dir: ./data }\nplugins:\n  pollonly: {}\n`,
    );
    const r = cli(["run", "pollonly", "--config", file, "--event", '{"type":"x"}']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /does not declare "handle"/);
    assert.equal(cli(["run", "pollonly", "--config", file]).status, 0);
  });

  it("usage errors exit 2: handle without --event, a bad --command, a bad event", () => {
    const s = setup();
    const noEvent = cli(["run", "ok", "--command", "handle", "--config", s.file]);
    assert.equal(noEvent.status, 2);
    assert.match(noEvent.stderr, /handle needs an event/);
    assert.equal(cli(["run", "ok", "--command", "health", "--config", s.file]).status, 2);
    assert.equal(cli(["run", "ok", "--event", "{nope", "--config", s.file]).status, 2);
    assert.equal(cli(["run", "ok", "--event", '{"payload":1}', "--config", s.file]).status, 2);
    assert.equal(
      withStore(s, (store) => store.listQueue().length),
      0,
      "nothing was enqueued",
    );
  });
});
