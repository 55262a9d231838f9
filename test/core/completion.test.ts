import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sequenceRandom } from "../../src/core/clock.js";
import { type CompletionInput, planCompletion } from "../../src/core/completion.js";
import type { Outcome } from "../../src/core/outcome.js";
import { failed, ok, runRecord } from "../helpers/attempts.js";

const NOW = Date.UTC(2026, 1, 8, 6, 12, 44, 120);
const ISO_NOW = "2026-02-08T06:12:44.120Z";

function input(over: Partial<CompletionInput> = {}): CompletionInput {
  let n = 0;
  return {
    job: { id: "job-1", plugin: "a", command: "poll", attempt: 1, max_attempts: 4, route_depth: 0 },
    outcome: ok(),
    run: runRecord(NOW, { durationMs: 250 }),
    state: { keep: 1 },
    routes: [],
    enabledPlugins: new Set(["a", "b", "c"]),
    maxAttemptsFor: () => 4,
    maxRouteDepth: 8,
    backoffBaseMs: 30_000,
    random: sequenceRandom([0]),
    nowMs: NOW,
    newId: () => `id-${++n}`,
    ...over,
  };
}

describe("planCompletion: success (SPEC §6.5, §7)", () => {
  it("marks the job succeeded, records the attempt and resets the breaker", () => {
    const plan = planCompletion(input({ outcome: ok({ logs: [{ level: "info", message: "hi" }] }) }));
    assert.deepEqual(plan.job, {
      id: "job-1",
      status: "succeeded",
      attempt: 1,
      completed_at: ISO_NOW,
      next_retry_at: null,
      last_error: null,
    });
    assert.deepEqual(plan.attempt, {
      attempt: 1,
      status: "succeeded",
      started_at: "2026-02-08T06:12:43.870Z",
      completed_at: ISO_NOW,
      duration_ms: 250,
      exit_code: 0,
      signal: null,
      error: null,
      retryable: null,
      stderr: "",
      stderr_truncated: false,
      stderr_bytes_dropped: 0,
      stdout: null,
      logs: [{ level: "info", message: "hi" }],
    });
    assert.deepEqual(plan.breaker, { plugin: "a", command: "poll", change: "reset" });
    assert.equal(plan.state, null, "a response without state_updates leaves the state alone");
  });

  it("merges state_updates shallowly, or replaces with state_replace", () => {
    const merged = planCompletion(input({ outcome: ok({ state_updates: { cursor: "x" } }) }));
    assert.deepEqual(merged.state, { plugin: "a", serialized: '{"keep":1,"cursor":"x"}' });
    const replaced = planCompletion(
      input({ outcome: ok({ state_updates: { cursor: "x" }, state_replace: true }) }),
    );
    assert.deepEqual(replaced.state, { plugin: "a", serialized: '{"cursor":"x"}' });
    const cleared = planCompletion(input({ outcome: ok({ state_replace: true }) }));
    assert.deepEqual(cleared.state, { plugin: "a", serialized: "{}" });
  });

  it("turns an oversize state into a retryable failure with nothing applied", () => {
    const plan = planCompletion(
      input({
        outcome: ok({ state_updates: { big: "x".repeat(1024 * 1024) }, events: [{ type: "e" }] }),
        routes: [{ from: "a", event_type: "e", to: "b" }],
      }),
    );
    assert.equal(plan.state, null);
    assert.deepEqual(plan.events, []);
    assert.deepEqual(plan.newJobs, []);
    assert.equal(plan.attempt.status, "failed");
    assert.equal(plan.attempt.retryable, true);
    assert.match(plan.attempt.error ?? "", /over the 1048576-byte limit/);
    assert.equal(plan.job.status, "queued");
    assert.equal(plan.job.attempt, 2);
    assert.equal(plan.breaker.change, "increment");
  });
});

describe("planCompletion: events and routes (SPEC §8)", () => {
  const routes = [
    { from: "a", event_type: "e", to: "b" },
    { from: "a", event_type: "e", to: "c" },
    { from: "a", event_type: "e", to: "gone" },
    { from: "b", event_type: "e", to: "c" },
  ];

  it("creates one handle job per matching route, in config order, carrying the event", () => {
    const plan = planCompletion(
      input({ routes, outcome: ok({ events: [{ type: "e", payload: { n: 1 }, dedupe_key: "k1" }] }) }),
    );
    const event = {
      event_id: "id-1",
      type: "e",
      payload: { n: 1 },
      source: "a",
      timestamp: ISO_NOW,
      dedupe_key: "k1",
    };
    assert.deepEqual(
      plan.newJobs.map((j) => [j.id, j.plugin]),
      [
        ["id-2", "b"],
        ["id-3", "c"],
      ],
    );
    assert.deepEqual(plan.newJobs[0], {
      id: "id-2",
      plugin: "b",
      command: "handle",
      payload: event,
      submitted_by: "route",
      dedupe_key: "k1",
      parent_job_id: "job-1",
      source_event_id: "id-1",
      route_depth: 1,
      max_attempts: 4,
      created_at: ISO_NOW,
    });
    assert.deepEqual(plan.events, [
      {
        event_id: "id-1",
        type: "e",
        payload: { n: 1 },
        dedupe_key: "k1",
        timestamp: ISO_NOW,
        source: "a",
        dropped: "route target gone is disabled",
        routes: [
          { to: "b", job_id: "id-2", dropped: null },
          { to: "c", job_id: "id-3", dropped: null },
          { to: "gone", job_id: null, dropped: "route target gone is disabled" },
        ],
      },
    ]);
  });

  it("records an event no route matches, with no drop reason", () => {
    const plan = planCompletion(input({ routes, outcome: ok({ events: [{ type: "other" }] }) }));
    assert.deepEqual(plan.newJobs, []);
    assert.equal(plan.events.length, 1);
    assert.equal(plan.events[0]?.dropped, null);
    assert.deepEqual(plan.events[0]?.routes, []);
    assert.equal(plan.events[0]?.payload, null);
    assert.equal(plan.events[0]?.dedupe_key, null);
  });

  it("drops a matched event past max_route_depth and records why", () => {
    const deep = { id: "job-9", plugin: "a", command: "handle", attempt: 1, max_attempts: 4, route_depth: 8 };
    const plan = planCompletion(input({ job: deep, routes, outcome: ok({ events: [{ type: "e" }] }) }));
    assert.deepEqual(plan.newJobs, []);
    assert.equal(plan.events[0]?.dropped, "max_route_depth 8 exceeded");
    assert.ok(
      plan.events[0]?.routes.every((r) => r.job_id === null && r.dropped === "max_route_depth 8 exceeded"),
    );
    const atLimit = planCompletion(
      input({ job: { ...deep, route_depth: 7 }, routes, outcome: ok({ events: [{ type: "e" }] }) }),
    );
    assert.deepEqual(
      atLimit.newJobs.map((j) => j.route_depth),
      [8, 8],
    );
  });

  it("uses the target's own retry budget", () => {
    const plan = planCompletion(
      input({
        routes,
        maxAttemptsFor: (p) => (p === "b" ? 2 : 7),
        outcome: ok({ events: [{ type: "e" }] }),
      }),
    );
    assert.deepEqual(
      plan.newJobs.map((j) => j.max_attempts),
      [2, 7],
    );
  });

  it("ignores events from init and everything from health", () => {
    const init = planCompletion(
      input({
        job: { id: "j", plugin: "a", command: "init", attempt: 1, max_attempts: 1, route_depth: 0 },
        routes,
        outcome: ok({ events: [{ type: "e" }], state_updates: { v: 1 } }),
      }),
    );
    assert.equal(init.ignoredEvents, 1);
    assert.deepEqual(init.newJobs, []);
    assert.notEqual(init.state, null);
    const health = planCompletion(
      input({
        job: { id: "j", plugin: "a", command: "health", attempt: 1, max_attempts: 1, route_depth: 0 },
        outcome: ok({ events: [{ type: "e" }], state_updates: { v: 1 } }),
      }),
    );
    assert.equal(health.state, null);
    assert.equal(health.ignoredEvents, 1);
  });
});

describe("planCompletion: failures (SPEC §6.3)", () => {
  it("queues a retryable failure with attempt+1 and an exact next_retry_at", () => {
    const plan = planCompletion(
      input({
        job: { id: "j", plugin: "a", command: "poll", attempt: 2, max_attempts: 4, route_depth: 0 },
        outcome: failed("exit code 3", true),
        random: sequenceRandom([0.5]),
      }),
    );
    assert.deepEqual(plan.job, {
      id: "j",
      status: "queued",
      attempt: 3,
      completed_at: null,
      next_retry_at: new Date(NOW + 60_000 + 15_000).toISOString(),
      last_error: "exit code 3",
    });
    assert.equal(plan.attempt.attempt, 2);
    assert.equal(plan.attempt.retryable, true);
    assert.deepEqual(plan.breaker, { plugin: "a", command: "poll", change: "increment" });
  });

  it("kills a non-retryable failure at once, and a retryable one on its last attempt", () => {
    const nonRetryable = planCompletion(input({ outcome: failed("exit code 78", false) }));
    assert.equal(nonRetryable.job.status, "dead");
    assert.equal(nonRetryable.job.attempt, 1);
    assert.equal(nonRetryable.job.completed_at, ISO_NOW);
    assert.equal(nonRetryable.job.last_error, "exit code 78");
    const last = planCompletion(
      input({
        job: { id: "j", plugin: "a", command: "poll", attempt: 4, max_attempts: 4, route_depth: 0 },
        outcome: failed("timed out after 1m", true, "timed_out"),
      }),
    );
    assert.equal(last.job.status, "dead");
    assert.equal(last.attempt.status, "timed_out");
  });

  it("changes nothing else: a failed response's state and events are not applied", () => {
    const outcome: Outcome = {
      status: "failed",
      retryable: true,
      error: "boom",
      response: { status: "error", error: "boom", state_updates: { x: 1 }, events: [{ type: "e" }] },
      protocolError: false,
    };
    const plan = planCompletion(input({ outcome, routes: [{ from: "a", event_type: "e", to: "b" }] }));
    assert.equal(plan.state, null);
    assert.deepEqual(plan.events, []);
    assert.deepEqual(plan.newJobs, []);
  });
});
