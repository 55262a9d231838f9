import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { WebhookEndpoint } from "../../src/config/types.js";
import { isJsonMediaType, mediaType } from "../../src/http/content-type.js";
import { buildEvent, decodeBody, dedupeKey, eventHeaders, eventQuery } from "../../src/http/event.js";
import { isLoopback, splitTarget } from "../../src/http/request.js";

const endpoint: WebhookEndpoint = {
  path: "/hook/github",
  plugin: "gh",
  secrets: ["s"],
  provider: "hmac",
  signature_header: "X-Hub-Signature-256",
  tolerance: 300_000,
  max_body_size: 1024,
  event_type: "github.webhook",
  dedupe_header: "X-GitHub-Delivery",
};

describe("content types", () => {
  it("reduces a Content-Type to its lower-cased type/subtype", () => {
    assert.equal(mediaType("application/json"), "application/json");
    assert.equal(mediaType("Application/JSON; charset=UTF-8"), "application/json");
    assert.equal(mediaType(" text/plain ;charset=utf-8"), "text/plain");
    assert.equal(mediaType(undefined), null);
    assert.equal(mediaType(""), null);
    assert.equal(mediaType("json"), null);
  });

  it("JSON is application/json and application/*+json only", () => {
    for (const t of ["application/json", "application/vnd.github+json", "application/cloudevents+json"]) {
      assert.equal(isJsonMediaType(t), true, t);
    }
    for (const t of [
      "text/json",
      "application/jsonx",
      "application/x-www-form-urlencoded",
      "text/plain",
      null,
    ]) {
      assert.equal(isJsonMediaType(t), false, String(t));
    }
  });
});

describe("decodeBody", () => {
  it("parses JSON content types and passes anything else on as UTF-8 text", () => {
    assert.deepEqual(decodeBody(Buffer.from('{"a":[1,"ü"]}'), "application/json"), {
      ok: true,
      payload: { a: [1, "ü"] },
    });
    assert.deepEqual(decodeBody(Buffer.from("a=1&b=2"), "application/x-www-form-urlencoded"), {
      ok: true,
      payload: "a=1&b=2",
    });
    assert.deepEqual(decodeBody(Buffer.from("{not json"), null), { ok: true, payload: "{not json" });
    assert.deepEqual(decodeBody(Buffer.from([0x61, 0xff]), "text/plain"), { ok: true, payload: "a\ufffd" });
  });

  it("refuses JSON that does not parse or is not UTF-8; ignores a BOM", () => {
    assert.equal(decodeBody(Buffer.from("{"), "application/json").ok, false);
    assert.equal(decodeBody(Buffer.alloc(0), "application/json").ok, false);
    assert.equal(decodeBody(Buffer.from([0x22, 0xff, 0x22]), "application/json").ok, false);
    assert.deepEqual(decodeBody(Buffer.from("\ufeff[1]"), "application/vnd.x+json"), {
      ok: true,
      payload: [1],
    });
  });
});

describe("event headers and query", () => {
  it("lower-cases names, joins repeats in order, and leaves out the signature header", () => {
    const headers = eventHeaders(
      [
        "Host",
        "x",
        "X-Hub-Signature-256",
        "sha256=ab",
        "X-Tag",
        "a",
        "x-tag",
        "b",
        "Content-Type",
        "text/plain",
      ],
      "x-hub-SIGNATURE-256",
    );
    assert.deepEqual(headers, { host: "x", "x-tag": "a, b", "content-type": "text/plain" });
  });

  it("keeps __proto__ as data", () => {
    const headers = eventHeaders(["__proto__", "x"], "sig");
    assert.equal(Object.getPrototypeOf(headers), Object.prototype);
    assert.equal(JSON.stringify(headers), '{"__proto__":"x"}');
    assert.equal(JSON.stringify(eventQuery("__proto__=1&a=2")), '{"__proto__":"1","a":"2"}');
  });

  it("a repeated query key becomes an array; values are percent- and plus-decoded", () => {
    assert.deepEqual(eventQuery("a=1&b=x+y%21&a=2&a=3&c"), { a: ["1", "2", "3"], b: "x y!", c: "" });
    assert.deepEqual(eventQuery(""), {});
  });
});

describe("dedupeKey", () => {
  it("is webhook:<path>:<value> when the header is configured and present", () => {
    assert.equal(dedupeKey(endpoint, { "x-github-delivery": "72d3162e" }), "webhook:/hook/github:72d3162e");
    assert.equal(dedupeKey(endpoint, {}), null);
    assert.equal(dedupeKey(endpoint, { "x-github-delivery": "" }), null, "empty counts as absent");
    assert.equal(dedupeKey({ ...endpoint, dedupe_header: null }, { "x-github-delivery": "1" }), null);
    assert.equal(dedupeKey({ ...endpoint, dedupe_header: "__proto__" }, {}), null);
  });
});

describe("buildEvent", () => {
  it("builds the SPEC §10 event", () => {
    const event = buildEvent({
      eventId: "0193-event",
      endpoint,
      nowMs: Date.UTC(2026, 1, 8, 6, 12, 44, 120),
      payload: { zen: "x" },
      headers: { "x-github-event": "ping" },
      search: "a=1",
      contentType: "application/json; charset=utf-8",
    });
    assert.deepEqual(event, {
      event_id: "0193-event",
      type: "github.webhook",
      source: "webhook:/hook/github",
      timestamp: "2026-02-08T06:12:44.120Z",
      payload: { zen: "x" },
      webhook: {
        path: "/hook/github",
        headers: { "x-github-event": "ping" },
        query: { a: "1" },
        content_type: "application/json; charset=utf-8",
      },
    });
    const noType = buildEvent({
      eventId: "e",
      endpoint,
      nowMs: 0,
      payload: "",
      headers: {},
      search: "",
      contentType: undefined,
    });
    assert.equal(noType.webhook.content_type, null);
  });
});

describe("request targets and addresses", () => {
  it("splits origin-form and absolute-form targets", () => {
    assert.deepEqual(splitTarget("/hook/a?x=1&y"), { path: "/hook/a", search: "x=1&y" });
    assert.deepEqual(splitTarget("/hook/a"), { path: "/hook/a", search: "" });
    assert.deepEqual(splitTarget("http://example.com/hook/a?q"), { path: "/hook/a", search: "q" });
    assert.deepEqual(splitTarget("*"), { path: "", search: "" });
  });

  it("knows loopback addresses", () => {
    for (const a of ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"])
      assert.equal(isLoopback(a), true, a);
    for (const a of ["0.0.0.0", "::", "192.168.1.2", "10.0.0.1", "::ffff:10.0.0.1"]) {
      assert.equal(isLoopback(a), false, a);
    }
  });
});
