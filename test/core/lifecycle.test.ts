import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deadReason, initFingerprint, needsInit } from "../../src/core/lifecycle.js";

describe("plugin lifecycle decisions", () => {
  it("the init fingerprint follows manifest version and config, not key order", () => {
    const a = initFingerprint("1.0.0", { a: 1, b: { x: [1, 2], y: null } });
    assert.equal(a, initFingerprint("1.0.0", { b: { y: null, x: [1, 2] }, a: 1 }));
    assert.notEqual(a, initFingerprint("1.0.1", { a: 1, b: { x: [1, 2], y: null } }));
    assert.notEqual(a, initFingerprint("1.0.0", { a: 2, b: { x: [1, 2], y: null } }));
    assert.notEqual(a, initFingerprint("1.0.0", { a: 1, b: { x: [2, 1], y: null } }));
  });
  it("init runs on first load, on change, and after a failed init; never without the command", () => {
    assert.equal(needsInit(true, null, "f"), true);
    assert.equal(needsInit(true, { fingerprint: "f", healthy: true }, "f"), false);
    assert.equal(needsInit(true, { fingerprint: "f", healthy: true }, "g"), true);
    assert.equal(needsInit(true, { fingerprint: "f", healthy: false }, "f"), true);
    assert.equal(needsInit(false, null, "f"), false);
  });
  it("queued jobs of removed or disabled plugins die with the reason", () => {
    assert.equal(deadReason({ configured: false, enabled: false }), "plugin removed");
    assert.equal(deadReason({ configured: true, enabled: false }), "plugin disabled");
    assert.equal(deadReason({ configured: true, enabled: true }), null);
  });
});
