/** The dedupe rule (SPEC §6.6), over the candidates the store found. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeDuplicate, findDuplicate } from "../../src/core/dedupe.js";

const NOW = Date.parse("2026-03-10T12:00:00.000Z");
const TTL = 86_400_000;
const at = (ms: number) => new Date(ms).toISOString();

describe("findDuplicate", () => {
  it("nothing holds the key: no hit", () => {
    assert.equal(findDuplicate({ lastSucceeded: null, outstanding: null }, NOW, TTL), null);
  });

  it("a success within the TTL (its edge included) is a hit; one older is not", () => {
    const edge = { id: "s", completed_at: at(NOW - TTL) };
    assert.deepEqual(findDuplicate({ lastSucceeded: edge, outstanding: null }, NOW, TTL), {
      duplicateOf: "s",
      duplicateStatus: "succeeded",
    });
    const old = { id: "s", completed_at: at(NOW - TTL - 1) };
    assert.equal(findDuplicate({ lastSucceeded: old, outstanding: null }, NOW, TTL), null);
  });

  it("a queued or running job is a hit whatever its age", () => {
    for (const status of ["queued", "running"] as const) {
      assert.deepEqual(findDuplicate({ lastSucceeded: null, outstanding: { id: "q", status } }, NOW, TTL), {
        duplicateOf: "q",
        duplicateStatus: status,
      });
    }
  });

  it("both: the success within the TTL is reported; an expired success yields to the outstanding job", () => {
    const outstanding = { id: "q", status: "queued" as const };
    assert.equal(
      findDuplicate({ lastSucceeded: { id: "s", completed_at: at(NOW - 1) }, outstanding }, NOW, TTL)
        ?.duplicateOf,
      "s",
    );
    assert.equal(
      findDuplicate({ lastSucceeded: { id: "s", completed_at: at(NOW - TTL - 1) }, outstanding }, NOW, TTL)
        ?.duplicateOf,
      "q",
    );
  });

  it("describes the hit for people", () => {
    assert.equal(describeDuplicate("j1", "succeeded"), "already succeeded as job j1");
    assert.equal(describeDuplicate("j1", "running"), "is already running as job j1");
  });
});
