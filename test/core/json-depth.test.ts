import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  jsonDepth,
  MAX_JSON_DEPTH,
  stringifyBounded,
  TOO_DEEP_MARK,
  tooDeep,
} from "../../src/core/json-depth.js";

function nested(depth: number): unknown {
  let v: unknown = [];
  for (let i = 1; i < depth; i++) v = i % 2 === 0 ? [v] : { k: v };
  return v;
}

describe("jsonDepth", () => {
  it("counts levels of arrays and objects; scalars are 0", () => {
    assert.equal(jsonDepth(1), 0);
    assert.equal(jsonDepth(null), 0);
    assert.equal(jsonDepth([]), 1);
    assert.equal(jsonDepth({ a: [1, { b: "x" }] }), 3);
    assert.equal(jsonDepth([[], [[[]]], {}]), 4);
  });

  it("measures a million levels without overflowing the stack (iterative)", () => {
    assert.equal(jsonDepth(JSON.parse(`${"[".repeat(1_000_000)}${"]".repeat(1_000_000)}`)), 1_000_000);
  });

  it("tooDeep: the limit itself is allowed, one more level is not", () => {
    assert.equal(tooDeep(nested(MAX_JSON_DEPTH)), false);
    assert.equal(tooDeep(nested(MAX_JSON_DEPTH + 1)), true);
  });
});

describe("stringifyBounded", () => {
  it("serialises a value within the limit exactly as JSON.stringify does", () => {
    const v = { a: [1, "x", null, { b: true }], __proto__x: 1 };
    assert.equal(stringifyBounded(v, 2), JSON.stringify(v, null, 2));
    assert.equal(stringifyBounded(nested(MAX_JSON_DEPTH)), JSON.stringify(nested(MAX_JSON_DEPTH)));
  });

  it("elides what is past the limit of a value JSON.stringify cannot serialise", () => {
    const deep = nested(200_000);
    assert.throws(() => JSON.stringify(deep), RangeError);
    const text = stringifyBounded(deep);
    const back = JSON.parse(text) as unknown;
    assert.equal(jsonDepth(back), MAX_JSON_DEPTH);
    assert.ok(text.includes(JSON.stringify(TOO_DEEP_MARK)));
  });
});
