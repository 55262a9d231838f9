import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { claim, DAY, enqueue, failed, finishAttempt, fixture, ok } from "./helpers.js";

describe("pruneTerminal (SPEC §9 retention)", () => {
  it("deletes terminal jobs completed before the cutoff, in batches, with their attempts and events", () => {
    const f = fixture();
    const old: string[] = [];
    for (let i = 0; i < 7; i++) {
      const job = enqueue(f.store, "a");
      finishAttempt(f, claim(f), i % 2 === 0 ? ok({ events: [{ type: "e" }] }) : failed("x", false));
      old.push(job.id);
    }
    const queuedOld = enqueue(f.store, "a");
    f.clock.advance(10 * DAY);
    const recent = enqueue(f.store, "b");
    const running = f.store.claimNextReadyJob(f.clock.now(), { excludePlugins: ["a"] });
    assert.ok(running);
    finishAttempt(f, running, ok());
    const attemptsBefore = f.store.recentAttempts({ limit: 100 }).length;

    const r = f.store.pruneTerminal(f.clock.now() - DAY, 3);
    assert.deepEqual(r, { deleted: 7, batches: 3 });
    for (const id of old) assert.equal(f.store.getJob(id), null);
    assert.equal(f.store.getJob(queuedOld.id)?.status, "queued", "only terminal jobs are pruned");
    assert.equal(f.store.getJob(recent.id)?.status, "succeeded");
    assert.equal(f.store.recentAttempts({ limit: 100 }).length, attemptsBefore - 7);
    assert.deepEqual(f.store.pruneTerminal(f.clock.now() - DAY, 3), { deleted: 0, batches: 1 });
  });

  it("keeps a child whose parent was pruned; its chain simply ends", () => {
    const f = fixture();
    enqueue(f.store, "a");
    const r = finishAttempt(f, claim(f), ok({ events: [{ type: "e" }] }), {
      routes: [{ from: "a", event_type: "e", to: "b" }],
    });
    f.clock.advance(DAY);
    f.store.pruneTerminal(f.clock.now(), 10);
    const child = f.store.jobDetail(r.newJobIds[0] ?? "");
    assert.equal(child?.status, "queued");
    assert.deepEqual(child?.parent_chain, []);
  });

  it("rejects a batch size below 1", () => {
    const f = fixture();
    assert.throws(() => f.store.pruneTerminal(0, 0), RangeError);
  });
});
