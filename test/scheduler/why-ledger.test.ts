/** The scheduler writes the why-ledger (SPEC §16): real store, fake clock, no sleeping. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sequenceRandom } from "../../src/core/clock.js";
import { DAY, HOUR, MIN } from "../core/schedule-helpers.js";
import { harness, ok, onePlugin } from "./helpers.js";

const kinds = (h: ReturnType<typeof harness>) =>
  h.store.whyLedger("p", 10).map((r) => [r.kind, r.count, r.reason]);

describe("scheduler: the why-ledger", () => {
  it("records a poll guard skip once per tick, coalesced into one row", () => {
    const h = harness(onePlugin("schedule: { every: 1h }", "retry: { max_attempts: 1 }"), {
      random: sequenceRandom([0]),
    });
    h.store.enqueueJob(
      { plugin: "p", command: "poll", payload: null, submittedBy: "cli", maxAttempts: 1 },
      { dedupeTtlMs: DAY },
    );
    for (let i = 0; i < 5; i++) {
      h.scheduler.tick();
      h.clock.advance(MIN);
    }
    assert.deepEqual(kinds(h), [["poll_guard", 5, "poll guard: 1 poll outstanding"]]);
  });

  it("records a run that came due outside its window (the daemon was down through it)", () => {
    const h = harness(
      [
        "service: { timezone: UTC }",
        "plugins:",
        "  p: { schedule: { every: 1h, preferred_window: { start: '22:00', end: '06:00' } }, retry: { max_attempts: 1 } }",
      ].join("\n"),
      { start: Date.UTC(2026, 1, 8, 4) },
    );
    h.scheduler.tick();
    assert.equal(h.submitted.length, 1);
    h.finishNext(ok());
    h.clock.advance(3 * HOUR); // 07:00: the 05:00 run was missed, the window has closed
    h.scheduler.tick();
    h.clock.advance(MIN);
    h.scheduler.tick();
    assert.equal(h.submitted.length, 1);
    assert.deepEqual(kinds(h), [["window", 2, "next run 22:00 (window)"]]);
  });

  it("records a run missed while the daemon was down, which ran once", () => {
    const h = harness(onePlugin("schedule: { every: 1h }", "retry: { max_attempts: 1 }"));
    h.scheduler.tick();
    h.finishNext(ok());
    h.clock.advance(7 * DAY);
    h.scheduler.tick();
    const [row] = h.store.whyLedger("p", 10);
    assert.equal(row?.kind, "missed_while_down");
    assert.match(row?.reason ?? "", /^missed run, 6d23h late; ran once as \S+$/);
  });

  it("records a due poll held by a pause of the plugin, coalesced into one row, and none after resume", () => {
    const h = harness(onePlugin("schedule: { every: 1h }", "retry: { max_attempts: 1 }"));
    h.store.pause("p", null);
    for (let i = 0; i < 4; i++) {
      h.scheduler.tick();
      h.clock.advance(MIN);
    }
    assert.equal(h.submitted.length, 0, "paused: not scheduled");
    assert.deepEqual(kinds(h), [["paused", 4, "paused (postern resume to run it again)"]]);
    assert.match(h.view("p").next_run_reason, /^paused/);
    h.store.resume("p", null);
    h.scheduler.tick();
    assert.equal(h.submitted.length, 1, "resumed: the due poll runs at once");
    assert.deepEqual(kinds(h), [["paused", 4, "paused (postern resume to run it again)"]]);
  });

  it("a pause of the poll command alone holds the schedule too; a pause of handle does not", () => {
    const h = harness(onePlugin("schedule: { every: 1h }", "retry: { max_attempts: 1 }"));
    h.store.pause("p", "handle");
    h.scheduler.tick();
    assert.equal(h.submitted.length, 1, "handle paused: the poll still runs");
    h.finishNext(ok());
    h.store.pause("p", "poll");
    h.clock.advance(2 * HOUR);
    h.scheduler.tick();
    h.clock.advance(MIN);
    h.scheduler.tick();
    assert.equal(h.submitted.length, 1);
    assert.deepEqual(kinds(h), [["paused", 2, "paused (postern resume to run it again)"]]);
  });

  it("a pause between other skips starts its own row (the ledger coalesces repeats in a row)", () => {
    const h = harness(onePlugin("schedule: { every: 1h }", "retry: { max_attempts: 1 }"), {
      random: sequenceRandom([0]),
    });
    h.store.enqueueJob(
      { plugin: "p", command: "poll", payload: null, submittedBy: "cli", maxAttempts: 1 },
      { dedupeTtlMs: DAY },
    );
    h.scheduler.tick();
    h.clock.advance(MIN);
    h.store.pause("p", null);
    h.scheduler.tick();
    h.clock.advance(MIN);
    h.scheduler.tick();
    h.store.resume("p", null);
    h.clock.advance(MIN);
    h.scheduler.tick();
    assert.deepEqual(
      kinds(h).map(([k, n]) => [k, n]),
      [
        ["poll_guard", 1],
        ["paused", 2],
        ["poll_guard", 1],
      ],
    );
  });
});
