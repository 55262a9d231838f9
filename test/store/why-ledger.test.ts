import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fixture } from "./helpers.js";

describe("why-ledger rows (SPEC §16)", () => {
  it("coalesces repeats into one row with count and first/last, newest first", () => {
    const f = fixture();
    const t0 = f.clock.now();
    f.store.recordWhy("a", "window", "next run 09:00 (window)");
    f.clock.advance(60_000);
    f.store.recordWhy("a", "window", "next run 09:00 (window)");
    f.clock.advance(60_000);
    f.store.recordWhy("a", "poll_guard", "poll guard: 1 poll outstanding");
    f.store.recordWhy("b", "window", "other plugin");
    const rows = f.store.whyLedger("a", 10);
    assert.deepEqual(
      rows.map((r) => [r.kind, r.count, r.first_at, r.last_at]),
      [
        ["poll_guard", 1, new Date(t0 + 120_000).toISOString(), new Date(t0 + 120_000).toISOString()],
        ["window", 2, new Date(t0).toISOString(), new Date(t0 + 60_000).toISOString()],
      ],
    );
  });

  it("keeps at most 1,000 rows per plugin and prunes with the job log's cutoff", () => {
    const f = fixture();
    for (let i = 0; i < 1005; i++) {
      f.store.recordWhy("a", i % 2 === 0 ? "window" : "poll_guard", `decision ${i}`);
      f.clock.advance(1000);
    }
    f.store.recordWhy("b", "window", "kept");
    const rows = f.store.whyLedger("a", 5000);
    assert.equal(rows.length, 1000);
    assert.equal(rows[0]?.reason, "decision 1004");
    assert.equal(rows.at(-1)?.reason, "decision 5");
    // Everything of a before the last 10 s goes; b's row (newest) stays.
    f.store.pruneSystemEvents(f.clock.now() - 10_000);
    assert.equal(f.store.whyLedger("a", 5000).length, 10);
    assert.equal(f.store.whyLedger("b", 10).length, 1);
  });
});
