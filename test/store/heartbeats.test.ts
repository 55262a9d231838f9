import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { FakeClock } from "../../src/core/clock.js";
import type { AlertSettings } from "../../src/core/system-events.js";
import { openStore } from "../../src/store/index.js";
import { claim, enqueue, finishAttempt, idGen, ok, tempDir } from "./helpers.js";

const H = 3_600_000;
const alerts = (): AlertSettings => ({
  routes: [
    { from: "postern", event_type: "postern.heartbeat.missed", to: "notify" },
    { from: "postern", event_type: "postern.heartbeat.recovered", to: "notify" },
  ],
  enabledPlugins: new Set(["a", "notify"]),
  maxAttemptsFor: () => 4,
  maxRouteDepth: 8,
  newId: idGen(),
  minIntervalMs: 15 * 60_000,
});

describe("heartbeats in the store (SPEC §16)", () => {
  it("missed and recovered commit with their state; a restart neither re-fires nor forgets", () => {
    const dir = tempDir();
    const clock = new FakeClock();
    let store = openStore(dir, { clock });
    after(() => store.close());
    const check = () => store.checkHeartbeat("a", "success", 26 * H, clock.now(), alerts()).transition;

    assert.equal(check(), null); // first load: the clock starts
    clock.advance(26 * H);
    assert.equal(check(), "missed");
    const [missed] = store.systemEvents("a", 10);
    assert.equal(missed?.type, "postern.heartbeat.missed");
    assert.equal(missed?.payload.command, "success_within");
    assert.equal(store.listJobs({ plugin: "notify", limit: 10 }).length, 1);

    // Restart: the miss is remembered (no second event), and so is the clock's start.
    store.close();
    store = openStore(dir, { clock });
    clock.advance(H);
    assert.equal(check(), null);
    assert.equal(store.systemEvents("a", 10).length, 1);

    // A success (recorded by the attempt's commit) recovers it at the next check.
    const f = { dir, clock, store };
    enqueue(store, "a");
    const job = store.claimNextReadyJob(clock.now(), { excludePlugins: ["notify"] });
    assert.ok(job);
    finishAttempt(f, job, ok());
    assert.equal(check(), "recovered");
    assert.deepEqual(
      store.systemEvents("a", 10).map((e) => e.type),
      ["postern.heartbeat.recovered", "postern.heartbeat.missed"],
    );
    assert.equal(store.heartbeats("a")[0]?.missed_at, null);
  });

  it("an event heartbeat counts events an attempt emitted, from its commit", () => {
    const dir = tempDir();
    const clock = new FakeClock();
    const store = openStore(dir, { clock });
    after(() => store.close());
    const check = () => store.checkHeartbeat("a", "event", 2 * H, clock.now(), alerts()).transition;
    assert.equal(check(), null);
    clock.advance(H);
    const f = { dir, clock, store };
    enqueue(store, "a");
    finishAttempt(f, claim(f), ok({ events: [{ type: "x" }] }));
    clock.advance(H + 1);
    assert.equal(check(), null, "the event an hour ago keeps it alive");
    clock.advance(H);
    assert.equal(check(), "missed");
  });
});
