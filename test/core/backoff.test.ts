import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { retryDelayMs } from "../../src/core/backoff.js";
import { sequenceRandom } from "../../src/core/clock.js";

describe("retryDelayMs (SPEC §6.3)", () => {
  it("doubles per failed attempt and adds random(0, base)", () => {
    const zero = sequenceRandom([0]);
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => retryDelayMs(n, 30_000, zero)),
      [30_000, 60_000, 120_000, 240_000],
    );
    assert.equal(retryDelayMs(1, 30_000, sequenceRandom([0.5])), 45_000);
    assert.equal(retryDelayMs(3, 30_000, sequenceRandom([0.25])), 127_500);
  });

  it("draws exactly once per call, in order", () => {
    const random = sequenceRandom([0.1, 0.2, 0.3]);
    assert.deepEqual(
      [1, 2, 3].map((n) => retryDelayMs(n, 1000, random)),
      [1100, 2200, 4300],
    );
  });

  it("rejects an attempt number below 1 and a negative base", () => {
    assert.throws(() => retryDelayMs(0, 1000, sequenceRandom([0])), RangeError);
    assert.throws(() => retryDelayMs(1.5, 1000, sequenceRandom([0])), RangeError);
    assert.throws(() => retryDelayMs(1, -1, sequenceRandom([0])), RangeError);
  });

  it("stays within [base·2^(n-1), base·2^(n-1) + base) and is a whole number of ms", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 3_600_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (n, base, draw) => {
          const d = retryDelayMs(n, base, sequenceRandom([draw]));
          const floor = base * 2 ** (n - 1);
          return Number.isInteger(d) && d >= floor && (base === 0 ? d === floor : d < floor + base);
        },
      ),
    );
  });
});
