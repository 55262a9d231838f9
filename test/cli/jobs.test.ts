/** `postern jobs list|show|retry|cancel` through the real CLI, on a database built by the store. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Job } from "../../src/store/index.js";
import { cli, cliJson } from "../helpers/cli.js";
import { ATTEMPT_KEYS, JOB_KEYS } from "../helpers/shapes.js";
import { enqueue, failed, finishNext, ok, setup, withStore } from "./operator-fixture.js";

const EVENT_KEYS = ["event_id", "type", "dedupe_key", "routed_to", "dropped"];

describe("postern jobs list", () => {
  it("lists newest first and filters by plugin, status and limit", () => {
    const s = setup();
    const a = enqueue(s, "ok");
    const b = enqueue(s, "exit-78");
    const c = enqueue(s, "ok");
    finishNext(s, ok()); // a succeeds
    const all = cliJson<Job[]>(["jobs", "list", "--config", s.file]);
    assert.equal(all.status, 0, all.stderr);
    assert.deepEqual(
      all.json.map((j) => j.id),
      [c, b, a],
    );
    assert.deepEqual(Object.keys(all.json[0] ?? {}), JOB_KEYS);
    const okOnly = cliJson<Job[]>(["jobs", "list", "--plugin", "ok", "--config", s.file]);
    assert.deepEqual(
      okOnly.json.map((j) => j.id),
      [c, a],
    );
    const succeeded = cliJson<Job[]>(["jobs", "list", "--status", "succeeded", "--config", s.file]);
    assert.deepEqual(
      succeeded.json.map((j) => j.id),
      [a],
    );
    const both = cliJson<Job[]>([
      "jobs",
      "list",
      "--plugin",
      "exit-78",
      "--status",
      "queued",
      "--config",
      s.file,
    ]);
    assert.deepEqual(
      both.json.map((j) => j.id),
      [b],
    );
    const limited = cliJson<Job[]>(["jobs", "list", "--limit", "1", "--config", s.file]);
    assert.deepEqual(
      limited.json.map((j) => j.id),
      [c],
    );
    const human = cli(["jobs", "list", "--config", s.file]);
    assert.match(human.stdout, /^ID\s+PLUGIN\s+COMMAND\s+STATUS\s+ATTEMPT\s+BY\s+CREATED\s+LAST ERROR/);
    for (const id of [a, b, c]) assert.ok(human.stdout.includes(id), "full ids in the table");
    const none = cli(["jobs", "list", "--plugin", "nope", "--config", s.file]);
    assert.equal(none.status, 0);
    assert.match(none.stdout, /no jobs \(plugin nope\)/);
  });

  it("rejects a bad --status or --limit as usage errors (exit 2)", () => {
    const s = setup();
    const bad = cli(["jobs", "list", "--status", "failed", "--config", s.file]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /status of an attempt/);
    assert.equal(cli(["jobs", "list", "--status", "nonsense", "--config", s.file]).status, 2);
    for (const limit of ["0", "-1", "abc", "1.5"]) {
      assert.equal(cli(["jobs", "list", "--limit", limit, "--config", s.file]).status, 2, limit);
    }
  });
});

describe("postern jobs show", () => {
  it("--json has the §13.1 keys: job fields, attempts, events (routed_to), parent chain", () => {
    const s = setup("routes:\n  - { from: ok, event_type: echo, to: exit-78 }\n");
    const root = enqueue(s, "ok");
    finishNext(s, ok({ events: [{ type: "echo", payload: { n: 1 }, dedupe_key: "e1" }], logs: [] }), {
      routes: [{ from: "ok", event_type: "echo", to: "exit-78" }],
    });
    const child = withStore(s, (store) => store.listQueue()[0]?.id ?? "");
    const r = cliJson<Record<string, unknown>>(["jobs", "show", root, "--config", s.file]);
    assert.equal(r.status, 0, r.stderr);
    for (const key of [...JOB_KEYS, "attempts", "events"]) assert.ok(key in r.json, key);
    assert.deepEqual(Object.keys(r.json).slice(0, JOB_KEYS.length), JOB_KEYS);
    const attempts = r.json.attempts as Record<string, unknown>[];
    assert.deepEqual(Object.keys(attempts[0] ?? {}), ATTEMPT_KEYS);
    const events = r.json.events as Record<string, unknown>[];
    assert.deepEqual(Object.keys(events[0] ?? {}).slice(0, EVENT_KEYS.length), EVENT_KEYS);
    assert.deepEqual(events[0]?.routed_to, [child]);
    assert.equal(events[0]?.dropped, null);

    const down = cliJson<{ parent_job_id: string; parent_chain: Job[] }>([
      "jobs",
      "show",
      child,
      "--config",
      s.file,
    ]);
    assert.equal(down.json.parent_job_id, root);
    assert.deepEqual(
      down.json.parent_chain.map((j) => j.id),
      [root],
    );
  });

  it("the human view shows attempts, stderr excerpt, events with their jobs, and the chain", () => {
    const s = setup("routes:\n  - { from: ok, event_type: echo, to: exit-78 }\n");
    const root = enqueue(s, "ok");
    const stderr = Array.from({ length: 30 }, (_, i) => `trace line ${i + 1}`).join("\n");
    finishNext(s, failed("upstream returned 500", true), { stderr, exitCode: 3 });
    const r = cli(["jobs", "show", root, "--config", s.file]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^job ${root}  ok poll`));
    assert.match(r.stdout, /queued for a retry in \d+s \(attempt 2 of 4\)/);
    assert.match(r.stdout, /#1 {2}failed in 12ms, exit 3, retryable/);
    assert.match(r.stdout, /error: upstream returned 500/);
    assert.match(r.stdout, /stderr \(last 20 of 30 stored lines\):/);
    assert.match(r.stdout, /\| trace line 30/);
    assert.doesNotMatch(r.stdout, /\| trace line 10\n/);
    assert.match(r.stdout, /events: none emitted/);
    assert.match(r.stdout, /chain \(root first\)/);
  });

  it("names the jobs an event became, dropped routes, and the lineage as a tree", () => {
    const s = setup("routes:\n  - { from: ok, event_type: echo, to: exit-78 }\n");
    const root = enqueue(s, "ok");
    finishNext(
      s,
      ok({ events: [{ type: "echo" }, { type: "unrouted" }], logs: [{ level: "info", message: "hi" }] }),
      {
        routes: [
          { from: "ok", event_type: "echo", to: "exit-78" },
          { from: "ok", event_type: "echo", to: "error-status" },
        ],
        enabled: ["ok", "exit-78"],
      },
    );
    const child = withStore(s, (store) => store.listQueue()[0]?.id ?? "");
    const up = cli(["jobs", "show", root, "--config", s.file]).stdout;
    assert.match(up, /\[info\] hi/);
    assert.match(up, new RegExp(`→ exit-78: job ${child} \\(queued\\)`));
    assert.match(up, /→ error-status: dropped \(route target error-status is disabled\)/);
    assert.match(up, /unrouted .*\n {4}no route matched/);
    const down = cli(["jobs", "show", child, "--config", s.file]).stdout;
    assert.match(down, new RegExp(`^  ${root}  ok poll  succeeded  \\(submitted by scheduler\\)$`, "m"));
    assert.match(
      down,
      new RegExp(`^  └─ ${child}  exit-78 handle  queued  \\(via event echo\\)  ← this job$`, "m"),
    );
  });

  it("an unknown id is exit 1 'no job <id>', with or without a database", () => {
    const fresh = setup();
    const r = cli(["jobs", "show", "0193aaaa-0000-7000-8000-000000000000", "--config", fresh.file]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no job 0193aaaa-0000-7000-8000-000000000000/);
    enqueue(fresh, "ok");
    assert.equal(cli(["jobs", "show", "nope", "--config", fresh.file]).status, 1);
  });
});

describe("postern jobs cancel / retry", () => {
  it("cancel makes a queued job dead with the operator's reason; a dead one is refused", () => {
    const s = setup();
    const id = enqueue(s, "ok");
    const r = cli(["jobs", "cancel", id, "--config", s.file]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /cancelled job/);
    const job = withStore(s, (store) => store.getJob(id));
    assert.equal(job?.status, "dead");
    assert.equal(job?.last_error, "cancelled by operator");
    const again = cli(["jobs", "cancel", id, "--config", s.file]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /cannot cancel job .*: it is already dead/);
  });

  it("cancel refuses a running job and an unknown id", () => {
    const s = setup();
    const id = enqueue(s, "ok");
    withStore(s, (store) => store.claimNextReadyJob(Date.now()));
    const r = cli(["jobs", "cancel", id, "--config", s.file]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /it is running/);
    assert.equal(cli(["jobs", "cancel", "nope", "--config", s.file]).status, 1);
  });

  it("retry of a dead job enqueues a new one with parent_job_id = the dead one", () => {
    const s = setup();
    const dead = enqueue(s, "exit-78");
    finishNext(s, failed("missing api key", false), { exitCode: 78 });
    assert.equal(
      withStore(s, (store) => store.getJob(dead)?.status),
      "dead",
    );
    const r = cli(["jobs", "retry", dead, "--config", s.file]);
    assert.equal(r.status, 0, r.stderr);
    const id = r.stdout.trim();
    assert.notEqual(id, dead);
    const job = withStore(s, (store) => store.getJob(id));
    assert.equal(job?.status, "queued");
    assert.equal(job?.parent_job_id, dead);
    assert.equal(job?.submitted_by, "cli");
    const chain = cli(["jobs", "show", id, "--config", s.file]).stdout;
    assert.match(chain, /retry by operator/);
  });

  it("retry refuses a job that is not dead", () => {
    const s = setup();
    const id = enqueue(s, "ok");
    const r = cli(["jobs", "retry", id, "--config", s.file]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /is queued; only a dead job can be retried/);
  });
});
