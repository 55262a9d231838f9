import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "../../src/core/clock.js";
import { type LedgerEntry, ledgerStep } from "../../src/core/why-ledger.js";

describe("why-ledger coalescing (SPEC §16) with a fake clock", () => {
  it("extends the latest entry while the kind repeats, keeping the newest wording", () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const first = ledgerStep(null, "window", "next run 09:00 (window)", t0);
    assert.ok("insert" in first);
    clock.advance(60_000);
    const again = ledgerStep(first.insert, "window", "next run 09:00 tomorrow (window)", clock.now());
    assert.ok("extend" in again);
    assert.deepEqual(again.extend, {
      kind: "window",
      reason: "next run 09:00 tomorrow (window)",
      count: 2,
      first_at: t0,
      last_at: t0 + 60_000,
    } satisfies LedgerEntry);
  });

  it("starts a new entry when the reason's kind changes", () => {
    const clock = new FakeClock();
    const latest: LedgerEntry = { kind: "window", reason: "w", count: 5, first_at: 0, last_at: 10 };
    const next = ledgerStep(latest, "circuit_open", "circuit open until 10:32", clock.now());
    assert.ok("insert" in next);
    assert.equal(next.insert.count, 1);
    assert.equal(next.insert.first_at, clock.now());
  });
});
