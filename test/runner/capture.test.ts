import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { HeadCapture, TailCapture, tailText } from "../../src/runner/capture.js";

describe("bounded capture", () => {
  it("TailCapture keeps exactly the last cap bytes and counts the rest", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 50 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 64 }),
        (chunks, cap) => {
          const t = new TailCapture(cap);
          for (const c of chunks) t.push(Buffer.from(c));
          const all = Buffer.concat(chunks.map((c) => Buffer.from(c)));
          assert.deepEqual(t.bytes(), all.subarray(Math.max(0, all.length - cap)));
          assert.equal(t.bytesDropped, Math.max(0, all.length - cap));
          assert.ok(t.peakHeld <= cap);
        },
      ),
    );
  });
  it("HeadCapture keeps the first cap bytes and reports overflow", () => {
    const h = new HeadCapture(5);
    assert.equal(h.push(Buffer.from("abc")), true);
    assert.equal(h.push(Buffer.from("def")), false);
    assert.equal(h.bytes().toString(), "abcde");
    assert.equal(h.overflowed, true);
    assert.equal(h.push(Buffer.from("x")), false);
    assert.equal(h.bytesHeld, 5);
  });
  it("tailText never starts in the middle of a UTF-8 character", () => {
    const { text } = tailText(Buffer.from("ééé"), 3);
    assert.equal(text, "é");
  });
});
