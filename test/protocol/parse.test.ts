import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parseResponse } from "../../src/protocol/parse.js";

const parse = (text: string | Buffer) => parseResponse(typeof text === "string" ? Buffer.from(text) : text);
const error = (text: string | Buffer) => {
  const r = parse(text);
  assert.equal(r.ok, false, `expected a protocol error for ${String(text).slice(0, 60)}`);
  return r.ok ? "" : r.error;
};

describe("parseResponse (SPEC §5.2)", () => {
  it("accepts one object with whitespace around it, ignores unknown fields", () => {
    const r = parse('\n  {"status":"ok","extra":1,"retry":false}\n\n');
    assert.ok(r.ok);
    assert.deepEqual(r.response, { status: "ok", retry: false });
  });
  it("refuses everything that is not exactly one valid object", () => {
    assert.match(error(""), /no response/);
    assert.match(error("   \n"), /no response/);
    assert.match(error('{"status":"ok"}{"status":"ok"}'), /not one JSON object/);
    assert.match(error('{"status":"ok"} trailing'), /not one JSON object/);
    assert.match(error("[1]"), /got an array/);
    assert.match(error("null"), /got null/);
    assert.match(error('"ok"'), /got a string/);
    assert.match(error("{}"), /status/);
    assert.match(error('{"status":"fine"}'), /status/);
    assert.match(error('{"status":"ok","protocol":2}'), /protocol 2 is not 1/);
    assert.match(error('{"status":"ok","protocol":"1"}'), /protocol "1" is not 1/);
    assert.match(error(Buffer.from([0x7b, 0xff, 0x7d])), /not valid UTF-8/);
    assert.match(error('{"status":"ok","state_updates":[]}'), /state_updates/);
    assert.match(error('{"status":"ok","state_updates":null}'), /state_updates/);
    assert.match(error('{"status":"ok","events":[{"payload":1}]}'), /events\.0\.type/);
    assert.match(error('{"status":"ok","events":[{"type":7}]}'), /events\.0\.type/);
    assert.match(error('{"status":"ok","events":[{"type":""}]}'), /events\.0\.type/);
    assert.match(error('{"status":"ok","logs":[{"level":"trace","message":"x"}]}'), /logs\.0\.level/);
    assert.match(error('{"status":"ok","retry":"yes"}'), /retry/);
  });
  it("allows exactly 1000 events and refuses 1001", () => {
    const events = (n: number) =>
      JSON.stringify({ status: "ok", events: Array.from({ length: n }, () => ({ type: "t" })) });
    assert.ok(parse(events(1000)).ok);
    assert.match(error(events(1001)), /at most 1000 events/);
  });
  it("keeps __proto__ in state_updates as data", () => {
    const r = parse('{"status":"ok","state_updates":{"__proto__":{"polluted":true},"a":1}}');
    assert.ok(r.ok);
    const updates = r.response.state_updates ?? {};
    assert.ok(Object.hasOwn(updates, "__proto__"), "the __proto__ key is kept");
    assert.deepEqual(Object.keys(updates).sort(), ["__proto__", "a"]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
  it("never throws, whatever bytes arrive", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const r = parseResponse(bytes);
        assert.equal(typeof r.ok, "boolean");
      }),
    );
  });
});
