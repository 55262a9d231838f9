import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "../../src/core/clock.js";
import {
  type AlertState,
  accumulate,
  coalesce,
  coalescePending,
  flushDueAt,
  flushPending,
  handlesSystemEvents,
  isSystemEventType,
  MAX_ALERT_JOB_IDS,
  MAX_ALERT_REMOTES,
  mergePending,
  NO_ALERT_STATE,
  type Occurrence,
  planSystemEvent,
  SYSTEM_EVENT_TYPES,
} from "../../src/core/system-events.js";

const MIN = 60_000;
const INTERVAL = 15 * MIN;

function dead(clock: FakeClock, id: string, reason = "exit code 1"): Occurrence {
  return {
    type: "postern.job.dead",
    plugin: "feed",
    command: "poll",
    at: clock.now(),
    job: { id, route_depth: 0 },
    reason,
  };
}

describe("system events: the types (SPEC §16)", () => {
  it("knows every type the spec names, and nothing else", () => {
    assert.deepEqual([...SYSTEM_EVENT_TYPES].sort(), [
      "postern.circuit.closed",
      "postern.circuit.opened",
      "postern.heartbeat.missed",
      "postern.heartbeat.recovered",
      "postern.job.dead",
      "postern.plugin.healthy",
      "postern.plugin.unhealthy",
      "postern.webhook.rejected",
    ]);
    assert.equal(isSystemEventType("postern.job.dead"), true);
    assert.equal(isSystemEventType("postern.job.deda"), false);
    assert.equal(isSystemEventType("toString"), false);
  });
});

describe("system events: coalescing per (type, plugin, command) with a fake clock", () => {
  it("sends the first at once, counts the rest, and carries them in the next after the interval", () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    let state: AlertState = NO_ALERT_STATE;

    const first = coalesce(state, dead(clock, "j1"), INTERVAL);
    assert.ok(first.alert);
    assert.equal(first.alert.payload.count, 1);
    assert.deepEqual(first.alert.payload.job_ids, ["j1"]);
    assert.equal(first.alert.payload.title, "feed poll: 1 job went dead (exit code 1)");
    state = first.next;

    clock.advance(MIN);
    const second = coalesce(state, dead(clock, "j2"), INTERVAL);
    assert.equal(second.alert, null);
    state = second.next;
    clock.advance(MIN);
    const third = coalesce(state, dead(clock, "j3", "timed out"), INTERVAL);
    assert.equal(third.alert, null);
    state = third.next;

    // Just short of the interval since the first send: still counted.
    clock.setWall(t0 + INTERVAL - 1);
    assert.equal(flushPending("postern.job.dead", "feed", "poll", state, clock.now(), INTERVAL), null);
    assert.equal(flushDueAt(state, INTERVAL), t0 + INTERVAL);

    clock.setWall(t0 + INTERVAL);
    const fourth = coalesce(state, dead(clock, "j4"), INTERVAL);
    assert.ok(fourth.alert);
    assert.equal(fourth.alert.payload.count, 3);
    assert.deepEqual(fourth.alert.payload.job_ids, ["j2", "j3", "j4"]);
    assert.equal(fourth.alert.payload.first_at, new Date(t0 + MIN).toISOString());
    assert.equal(fourth.alert.payload.last_at, new Date(t0 + INTERVAL).toISOString());
    assert.equal(fourth.alert.payload.title, "feed poll: 3 jobs went dead (exit code 1)");
    assert.deepEqual(fourth.alert.cause, { id: "j4", route_depth: 0 });
    assert.deepEqual(fourth.next, { last_sent_at: t0 + INTERVAL, pending: null });
  });

  it("flushes what accumulated at a tick once the interval has passed, then nothing more", () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    let state = coalesce(NO_ALERT_STATE, dead(clock, "j1"), INTERVAL).next;
    clock.advance(MIN);
    state = coalesce(state, dead(clock, "j2", "not retryable"), INTERVAL).next;

    clock.setWall(t0 + INTERVAL);
    const flushed = flushPending("postern.job.dead", "feed", "poll", state, clock.now(), INTERVAL);
    assert.ok(flushed?.alert);
    assert.equal(flushed.alert.payload.count, 1);
    assert.equal(flushed.alert.payload.reason, "not retryable");
    assert.deepEqual(flushed.alert.cause, { id: "j2", route_depth: 0 });
    assert.equal(flushPending("postern.job.dead", "feed", "poll", flushed.next, clock.now(), INTERVAL), null);
    assert.equal(flushDueAt(flushed.next, INTERVAL), null);

    // The next occurrence is within the interval of the flush: counted, not sent.
    clock.advance(MIN);
    assert.equal(coalesce(flushed.next, dead(clock, "j3"), INTERVAL).alert, null);
  });

  it("keeps at most 20 job ids but the whole count (10,000 in a minute → one event)", () => {
    const clock = new FakeClock();
    let state: AlertState = NO_ALERT_STATE;
    let sent = 0;
    for (let i = 0; i < 10_000; i++) {
      const step = coalesce(state, dead(clock, `j${i}`), INTERVAL);
      if (step.alert) sent++;
      state = step.next;
      if (i % 200 === 0) clock.advance(1000);
    }
    assert.equal(sent, 1);
    assert.equal(state.pending?.count, 9_999);
    assert.equal(state.pending?.job_ids.length, MAX_ALERT_JOB_IDS);
    assert.equal(state.pending?.job_ids[0], "j1");
  });

  it("a clock set back does not silence alerts for the length of the jump", () => {
    const clock = new FakeClock();
    const state = coalesce(NO_ALERT_STATE, dead(clock, "j1"), INTERVAL).next;
    clock.setWall(clock.now() - 24 * 60 * MIN);
    assert.ok(coalesce(state, dead(clock, "j2"), INTERVAL).alert);
  });
});

describe("system events: counts gathered elsewhere (postern.webhook.rejected)", () => {
  function refused(clock: FakeClock, reason: string, remote: string | null): Occurrence {
    return {
      type: "postern.webhook.rejected",
      plugin: "hooks",
      command: "/hook/github",
      at: clock.now(),
      job: null,
      reason,
      webhook: { remote },
    };
  }

  function batch(clock: FakeClock, items: [string, string | null][]) {
    let p = null as ReturnType<typeof accumulate> | null;
    for (const [reason, remote] of items) {
      p = accumulate(p, refused(clock, reason, remote));
      clock.advance(1000);
    }
    if (p === null) throw new Error("empty batch");
    return p;
  }

  it("counts per reason and keeps the last distinct remote addresses, bounded", () => {
    const clock = new FakeClock();
    const remotes = Array.from({ length: 8 }, (_, i) => `192.0.2.${i}`);
    const p = batch(clock, [
      ...remotes.map((r): [string, string] => ["bad_signature", r]),
      ["bad_json", "192.0.2.1"],
      ["too_large", null],
    ]);
    assert.equal(p.count, 10);
    assert.deepEqual(p.reasons, { bad_signature: 8, bad_json: 1, too_large: 1 });
    assert.equal(p.remotes?.length, MAX_ALERT_REMOTES);
    assert.deepEqual(p.remotes, ["192.0.2.4", "192.0.2.5", "192.0.2.6", "192.0.2.7", "192.0.2.1"]);
    assert.deepEqual(p.job_ids, []);
  });

  it("a batch is sent at once with what the store carried, or carried when the interval has not passed", () => {
    const clock = new FakeClock();
    const first = coalescePending(
      "postern.webhook.rejected",
      "hooks",
      "/hook/github",
      NO_ALERT_STATE,
      batch(clock, [["bad_signature", "192.0.2.9"]]),
      INTERVAL,
    );
    assert.equal(first.alert?.payload.count, 1);
    assert.equal(
      first.alert?.payload.title,
      "hooks /hook/github: 1 webhook delivery rejected (1 bad_signature)",
    );
    assert.equal(first.alert?.payload.path, "/hook/github");

    const carried = coalescePending(
      "postern.webhook.rejected",
      "hooks",
      "/hook/github",
      first.next,
      batch(clock, [
        ["stale_timestamp", "192.0.2.9"],
        ["stale_timestamp", "192.0.2.10"],
      ]),
      INTERVAL,
    );
    assert.equal(carried.alert, null);
    assert.equal(carried.next.pending?.count, 2);

    clock.advance(INTERVAL);
    const next = coalescePending(
      "postern.webhook.rejected",
      "hooks",
      "/hook/github",
      carried.next,
      batch(clock, [["bad_signature", "192.0.2.9"]]),
      INTERVAL,
    );
    assert.equal(next.alert?.payload.count, 3);
    assert.deepEqual(next.alert?.payload.reasons, { stale_timestamp: 2, bad_signature: 1 });
    assert.deepEqual(next.alert?.payload.remotes, ["192.0.2.10", "192.0.2.9"]);
    assert.equal(next.alert?.payload.reason, "2 stale_timestamp, 1 bad_signature");
    assert.equal(next.next.pending, null);
  });

  it("merging keeps the earliest first_at, the latest last_at and the job id bound", () => {
    const clock = new FakeClock();
    const older = batch(clock, [["bad_json", null]]);
    const newer = batch(clock, [["bad_json", null]]);
    const m = mergePending(older, newer);
    assert.equal(m.first_at, older.first_at);
    assert.equal(m.last_at, newer.last_at);
    assert.equal(m.count, 2);
    const manyIds = { ...older, job_ids: Array.from({ length: 15 }, (_, i) => `a${i}`) };
    const more = { ...newer, job_ids: Array.from({ length: 15 }, (_, i) => `b${i}`) };
    assert.equal(mergePending(manyIds, more).job_ids.length, MAX_ALERT_JOB_IDS);
  });

  it("a clock set back does not silence a batch either", () => {
    const clock = new FakeClock();
    const sent = coalescePending(
      "postern.webhook.rejected",
      "hooks",
      "/x",
      NO_ALERT_STATE,
      batch(clock, [["bad_json", null]]),
      INTERVAL,
    );
    clock.setWall(clock.now() - 24 * 60 * MIN);
    const again = coalescePending(
      "postern.webhook.rejected",
      "hooks",
      "/x",
      sent.next,
      batch(clock, [["bad_json", null]]),
      INTERVAL,
    );
    assert.ok(again.alert);
  });
});

describe("system events: loops and routing", () => {
  const routes = [
    { from: "postern", event_type: "postern.job.dead", to: "notify" },
    { from: "postern", event_type: "postern.job.dead", to: "off" },
    { from: "feed", event_type: "item", to: "notify" },
  ];

  it("a plugin that handles system events is recognised as such", () => {
    assert.equal(handlesSystemEvents(routes, "notify"), true);
    assert.equal(handlesSystemEvents(routes, "feed"), false);
  });

  it("routes the event to every matching enabled target, parented on the causing job", () => {
    const clock = new FakeClock();
    const step = coalesce(
      NO_ALERT_STATE,
      { ...dead(clock, "j1"), job: { id: "j1", route_depth: 2 } },
      INTERVAL,
    );
    assert.ok(step.alert);
    let n = 0;
    const planned = planSystemEvent(step.alert, clock.now(), {
      routes,
      enabledPlugins: new Set(["notify"]),
      maxAttemptsFor: () => 4,
      maxRouteDepth: 8,
      newId: () => `id${++n}`,
    });
    assert.equal(planned.event_id, "id1");
    assert.deepEqual(
      planned.routes.map((r) => [r.to, r.job_id, r.dropped]),
      [
        ["notify", "id2", null],
        ["off", null, "route target off is disabled"],
      ],
    );
    assert.equal(planned.jobs.length, 1);
    const job = planned.jobs[0];
    assert.equal(job?.parent_job_id, "j1");
    assert.equal(job?.route_depth, 3);
    assert.equal(job?.payload.source, "postern");
    assert.equal(job?.payload.type, "postern.job.dead");
  });

  it("the route depth guard still applies", () => {
    const clock = new FakeClock();
    const step = coalesce(
      NO_ALERT_STATE,
      { ...dead(clock, "j1"), job: { id: "j1", route_depth: 8 } },
      INTERVAL,
    );
    assert.ok(step.alert);
    let n = 0;
    const planned = planSystemEvent(step.alert, clock.now(), {
      routes,
      enabledPlugins: new Set(["notify", "off"]),
      maxAttemptsFor: () => 4,
      maxRouteDepth: 8,
      newId: () => `id${++n}`,
    });
    assert.equal(planned.jobs.length, 0);
    assert.equal(planned.routes[0]?.dropped, "max_route_depth 8 exceeded");
  });
});
