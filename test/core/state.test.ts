import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applyStateChange, MAX_STATE_BYTES } from "../../src/core/state.js";

describe("applyStateChange (SPEC §7)", () => {
  it("merges shallowly; a key given replaces the whole key; null stores null", () => {
    const r = applyStateChange(
      { a: 1, nested: { x: 1, y: 2 }, keep: true },
      { a: 2, nested: { x: 9 }, gone: null },
      false,
    );
    assert.ok(r.ok);
    assert.deepEqual(JSON.parse(r.serialized), { a: 2, nested: { x: 9 }, keep: true, gone: null });
  });
  it("replaces the whole state with state_replace", () => {
    const r = applyStateChange({ a: 1, b: 2 }, { c: 3 }, true);
    assert.ok(r.ok);
    assert.deepEqual(JSON.parse(r.serialized), { c: 3 });
  });
  it("measures the limit in UTF-8 bytes, not characters", () => {
    // "é" is 2 bytes: 600k of them is 1.2 MB though only 600k characters.
    const r = applyStateChange({}, { s: "é".repeat(600_000) }, false);
    assert.equal(r.ok, false);
    assert.match(r.ok ? "" : r.error, /over the 1048576-byte limit/);
    const exact = MAX_STATE_BYTES - '{"s":""}'.length;
    assert.equal(applyStateChange({}, { s: "x".repeat(exact) }, false).ok, true);
    assert.equal(applyStateChange({}, { s: "x".repeat(exact + 1) }, false).ok, false);
  });
  it("stores __proto__ and constructor as ordinary keys", () => {
    const updates = JSON.parse('{"__proto__":{"polluted":1},"constructor":"c"}');
    const r = applyStateChange({}, updates, false);
    assert.ok(r.ok);
    assert.deepEqual(JSON.parse(r.serialized), { ["__proto__"]: { polluted: 1 }, constructor: "c" });
    assert.equal(Object.getPrototypeOf(r.state), null);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
