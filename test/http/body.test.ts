import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { readBody } from "../../src/http/body.js";

const stream = () => new PassThrough();
const asRequest = (s: PassThrough) => s as unknown as IncomingMessage;

describe("readBody", () => {
  it("returns the bytes when the body ends within the cap (exactly at the cap too)", async () => {
    const s = stream();
    const result = readBody(asRequest(s), { limit: 6, timeoutMs: 5000 });
    s.write("abc");
    s.end("def");
    const r = await result;
    assert.equal(r.kind, "ok");
    assert.equal(r.kind === "ok" && r.body.toString(), "abcdef");
  });

  it("stops at the cap: too_large as soon as a chunk crosses it, without waiting for the end", async () => {
    const s = stream();
    const result = readBody(asRequest(s), { limit: 5, timeoutMs: 5000 });
    s.write("abc");
    s.write("def");
    assert.deepEqual(await result, { kind: "too_large", received: 6 });
    // What still arrives is discarded, not collected.
    s.write("x".repeat(1_000_000));
    assert.equal(s.listenerCount("data"), 0);
  });

  it("times out a body that does not complete in time", async () => {
    const s = stream();
    const result = readBody(asRequest(s), { limit: 100, timeoutMs: 30 });
    s.write("ab");
    assert.deepEqual(await result, { kind: "timeout", received: 2 });
  });

  it("reports a client that went away mid-body", async () => {
    const s = stream();
    const result = readBody(asRequest(s), { limit: 100, timeoutMs: 5000 });
    s.write("ab");
    s.destroy();
    assert.deepEqual(await result, { kind: "aborted", received: 2 });
  });
});
