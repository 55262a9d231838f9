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
});
