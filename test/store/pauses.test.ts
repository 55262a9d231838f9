/** `postern pause` in the store (SPEC §19): the rows, and the claim skipping what they hold. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { enqueue, fixture } from "./helpers.js";

describe("pauses", () => {
  it("pausing twice keeps the first time; resume lifts one command or all of the plugin", () => {
    const f = fixture();
    assert.equal(f.store.pause("a", null), true);
    f.clock.advance(60_000);
    assert.equal(f.store.pause("a", null), false, "already paused");
    assert.equal(f.store.pause("a", "handle"), true);
    assert.equal(f.store.pause("b", "poll"), true);
    assert.deepEqual(f.store.pauseKeys().sort(), ["a", "a handle", "b poll"]);
    assert.equal(f.store.pauses("a")[0]?.paused_at, "2026-01-01T00:00:00.000Z");
    assert.equal(f.store.isPaused("a", "poll"), true);
    assert.equal(f.store.isPaused("b", "poll"), true);
    assert.equal(f.store.isPaused("b", "handle"), false);
    assert.deepEqual(
      f.store.resume("a", "poll").map((p) => p.command),
      [],
      "a command that was not paused on its own: nothing lifted",
    );
    assert.deepEqual(
      f.store
        .resume("a", null)
        .map((p) => p.command)
        .sort(),
      ["handle", null].sort(),
    );
    assert.deepEqual(f.store.pauseKeys(), ["b poll"]);
    assert.deepEqual(
      f.store.resume("b", "poll").map((p) => p.command),
      ["poll"],
    );
    assert.deepEqual(f.store.pauses(), []);
  });

  it("the claim skips a paused plugin's or command's jobs in place; the others keep FIFO order", () => {
    const f = fixture();
    const a1 = enqueue(f.store, "a");
    const aHandle = enqueue(f.store, "a", { command: "handle", submittedBy: "webhook" });
    const b1 = enqueue(f.store, "b");
    const a2 = enqueue(f.store, "a");
    f.store.pause("a", "handle");
    const held = () => ({ excludePlugins: f.store.pauseKeys() });
    const order: string[] = [];
    for (;;) {
      const job = f.store.claimNextReadyJob(f.clock.now(), held());
      if (job === null) break;
      order.push(job.id);
    }
    assert.deepEqual(order, [a1.id, b1.id, a2.id], "the paused handle job does not block the jobs behind it");
    assert.equal(f.store.getJob(aHandle.id)?.status, "queued");

    const g = fixture();
    const x1 = g.store.enqueueJob(
      { plugin: "x", command: "poll", payload: {}, submittedBy: "cli", maxAttempts: 1 },
      { dedupeTtlMs: 0 },
    );
    const y1 = enqueue(g.store, "y");
    g.store.pause("x", null);
    assert.equal(
      g.store.claimNextReadyJob(g.clock.now(), { excludePlugins: g.store.pauseKeys() })?.id,
      y1.id,
    );
    assert.equal(g.store.claimNextReadyJob(g.clock.now(), { excludePlugins: g.store.pauseKeys() }), null);
    g.store.resume("x", null);
    assert.equal(
      g.store.claimNextReadyJob(g.clock.now(), { excludePlugins: g.store.pauseKeys() })?.id,
      "job" in x1 ? x1.job.id : "",
    );
  });
});
