/** A tick with nothing due enqueues nothing, whatever the schedule, window, zone and draw. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { seeded } from "../core/schedule-helpers.js";
import { harness, ok } from "./helpers.js";

const ZONES = ["UTC", "Europe/London", "America/New_York", "Australia/Lord_Howe"];
const hhmm = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
  .map(([h, m]) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`);

describe("scheduler properties (fast-check)", () => {
  it("a tick with nothing due enqueues nothing", () => {
    const h = harness("plugins: {}", { random: seeded(5) });
    let n = 0;
    fc.assert(
      fc.property(
        fc.record({
          everyMin: fc.integer({ min: 1, max: 14 * 24 * 60 }),
          jitterPct: fc.integer({ min: 0, max: 100 }),
          window: fc.option(
            fc.tuple(hhmm, hhmm).filter(([a, b]) => a !== b),
            { nil: null },
          ),
          zone: fc.constantFrom(...ZONES),
          // How far into the interval the ticks look: never past every - jitter/2.
          fractions: fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
            minLength: 1,
            maxLength: 5,
          }),
        }),
        ({ everyMin, jitterPct, window, zone, fractions }) => {
          const plugin = `p${++n}`;
          const jitterMs = Math.floor((everyMin * 60_000 * jitterPct) / 100);
          const w =
            window === null ? "" : `, preferred_window: { start: "${window[0]}", end: "${window[1]}" }`;
          h.reload(
            [
              `service: { timezone: ${zone} }`,
              "plugins:",
              `  ${plugin}: { schedule: { every: ${everyMin}m, jitter: ${jitterMs}ms${w} } }`,
            ].join("\n"),
          );
          // The plugin just polled successfully (by hand), so its next run is at least
          // every - jitter/2 away.
          h.store.enqueueJob(
            { plugin, command: "poll", payload: null, submittedBy: "cli", maxAttempts: 1 },
            { dedupeTtlMs: 1 },
          );
          h.finishNext(ok());
          const success = h.clock.now();
          const before = h.submitted.length;
          const earliest = everyMin * 60_000 - jitterMs / 2;
          for (const f of [...fractions].sort()) {
            h.clock.setWall(success + Math.floor(f * earliest));
            const report = h.scheduler.tick();
            assert.deepEqual(report.enqueued, []);
          }
          assert.equal(h.submitted.length, before);
          h.clock.setWall(success + 30 * 24 * 3_600_000); // leave the next case a clean slate
        },
      ),
      { numRuns: 60 },
    );
  });
});
