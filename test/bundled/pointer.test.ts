/** RFC 6901 evaluation in url-watch's pointer module (the RFC's own examples). */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { bundledPluginsDir } from "../sdk/harness.js";

interface PointerModule {
  parsePointer(p: string): string[];
  resolvePointer(doc: unknown, tokens: string[]): { found: boolean; value?: unknown };
  canonicalJson(v: unknown): string;
}

const load = async (): Promise<PointerModule> =>
  (await import(pathToFileURL(join(bundledPluginsDir, "url-watch/pointer.mjs")).href)) as PointerModule;

describe("url-watch: JSON Pointer (RFC 6901)", () => {
  const doc = {
    foo: ["bar", "baz"],
    "": 0,
    "a/b": 1,
    "c%d": 2,
    "e^f": 3,
    "g|h": 4,
    "i\\j": 5,
    'k"l': 6,
    " ": 7,
    "m~n": 8,
  };

  it("evaluates the RFC's examples, in both forms", async () => {
    const { parsePointer, resolvePointer } = await load();
    const cases: [string, unknown][] = [
      ["", doc],
      ["/foo", ["bar", "baz"]],
      ["/foo/0", "bar"],
      ["/", 0],
      ["/a~1b", 1],
      ["/c%d", 2],
      ["/e^f", 3],
      ["/g|h", 4],
      ["/i\\j", 5],
      ['/k"l', 6],
      ["/ ", 7],
      ["/m~0n", 8],
      ["#/foo/1", "baz"],
      ["#/c%25d", 2],
    ];
    for (const [pointer, value] of cases)
      assert.deepEqual(resolvePointer(doc, parsePointer(pointer)), { found: true, value }, pointer);
  });

  it("misses cleanly: bad indexes, inherited properties, past the end", async () => {
    const { parsePointer, resolvePointer } = await load();
    for (const pointer of ["/foo/2", "/foo/01", "/foo/-", "/constructor", "/foo/0/x", "/nope"])
      assert.deepEqual(resolvePointer(doc, parsePointer(pointer)), { found: false }, pointer);
  });

  it("refuses bad syntax and canonicalizes key order", async () => {
    const { parsePointer, canonicalJson } = await load();
    assert.throws(() => parsePointer("foo"), /must be empty or start with/);
    assert.throws(() => parsePointer("/a~2"), /"~" must be followed by 0 or 1/);
    assert.equal(canonicalJson({ b: [1, { d: 1, c: 2 }], a: null }), '{"a":null,"b":[1,{"c":2,"d":1}]}');
  });
});
