/** The url-watch plugin against a local server: first poll, change, no change, JSON Pointer, 304. */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import type { RunResult } from "../../src/runner/run.js";
import { bundled, responseOf, runLoaded } from "../sdk/harness.js";
import { type LocalServer, serve } from "../sdk/server.js";

let server: LocalServer;
let current: { status: number; body: string; etag?: string; type?: string };

before(async () => {
  server = await serve((req, res) => {
    const headers: Record<string, string> = { "content-type": current.type ?? "application/json" };
    if (current.etag) headers.etag = current.etag;
    if (current.etag && req.headers["if-none-match"] === current.etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(current.status, headers);
    res.end(current.body);
  });
});
after(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

const poll = (config: Record<string, unknown>, state?: Record<string, unknown>) =>
  runLoaded(bundled("url-watch"), { command: "poll", config, state: state ?? {} });
const stateOf = (r: RunResult) => responseOf(r).state_updates ?? {};

describe("url-watch: whole content", () => {
  it("first poll remembers; same content is quiet; new content emits url.changed", async () => {
    current = { status: 200, body: "<p>v1</p>", type: "text/html" };
    const config = { url: `${server.url}/page` };
    const first = await poll(config);
    assert.equal(first.outcome.status, "succeeded", first.outcome.error ?? first.stderr);
    assert.deepEqual(responseOf(first).events, undefined);
    assert.match(responseOf(first).logs?.[0]?.message ?? "", /first poll, remembered the current content/);

    const same = await poll(config, stateOf(first));
    assert.equal(responseOf(same).events, undefined);

    current = { status: 200, body: "<p>v2</p>", type: "text/html" };
    const changed = await poll(config, stateOf(same));
    const e = responseOf(changed).events?.[0];
    assert.equal(e?.type, "url.changed");
    const payload = e?.payload as Record<string, unknown>;
    assert.equal(payload.title, `${server.url}/page changed`);
    assert.equal(payload.url, `${server.url}/page`);
    assert.equal(payload.previous_hash, stateOf(first).hash);
    assert.notEqual(payload.hash, payload.previous_hash);
    assert.equal(payload.content_type, "text/html");
  });

  it("a 304 to the remembered ETag is no change and no new state", async () => {
    current = { status: 200, body: "{}", etag: '"a"' };
    const config = { url: `${server.url}/etag` };
    const first = await poll(config);
    assert.equal(stateOf(first).etag, '"a"');
    const second = await poll(config, stateOf(first));
    assert.equal(server.requests.at(-1)?.headers["if-none-match"], '"a"');
    assert.deepEqual(responseOf(second).state_updates, undefined);
    assert.equal(responseOf(second).events, undefined);
  });

  it("a different url in the config starts over instead of reporting a change", async () => {
    current = { status: 200, body: "one" };
    const first = await poll({ url: `${server.url}/a` });
    current = { status: 200, body: "two" };
    const other = await poll({ url: `${server.url}/b` }, stateOf(first));
    assert.equal(responseOf(other).events, undefined);
    assert.equal(stateOf(other).url, `${server.url}/b`);
  });
});

describe("url-watch: JSON Pointer", () => {
  const config = () => ({ url: `${server.url}/status.json`, json_pointer: "/checks/0/state" });

  it("changes elsewhere in the document are ignored; a change at the pointer is reported", async () => {
    current = { status: 200, body: JSON.stringify({ checks: [{ state: "green" }], at: 1 }) };
    const first = await poll(config());
    current = { status: 200, body: JSON.stringify({ at: 2, checks: [{ state: "green" }] }) };
    const quiet = await poll(config(), stateOf(first));
    assert.equal(responseOf(quiet).events, undefined);

    current = { status: 200, body: JSON.stringify({ checks: [{ state: "red" }], at: 3 }) };
    const changed = await poll(config(), stateOf(quiet));
    const payload = responseOf(changed).events?.[0]?.payload as Record<string, unknown>;
    assert.equal(payload.title, `${server.url}/status.json /checks/0/state changed: "green" → "red"`);
    assert.equal(payload.previous, "green");
    assert.equal(payload.current, "red");
    assert.equal(payload.present, true);
  });

  it("a value that disappears is a change to (absent)", async () => {
    current = { status: 200, body: JSON.stringify({ checks: [{ state: "green" }] }) };
    const first = await poll(config());
    current = { status: 200, body: JSON.stringify({ checks: [] }) };
    const gone = await poll(config(), stateOf(first));
    const payload = responseOf(gone).events?.[0]?.payload as Record<string, unknown>;
    assert.match(String(payload.title), /"green" → \(absent\)$/);
    assert.equal(payload.present, false);
  });

  it("a body that is not JSON is a retryable error; a bad pointer is a config error (78)", async () => {
    current = { status: 200, body: "<html>maintenance</html>", type: "text/html" };
    const notJson = await poll(config());
    assert.equal(notJson.outcome.retryable, true);
    assert.match(notJson.outcome.error ?? "", /is not JSON, so json_pointer cannot apply/);
    const bad = await poll({ url: `${server.url}/x`, json_pointer: "checks/0" });
    assert.equal(bad.exitCode, 78);
    assert.match(bad.stderr, /not a JSON Pointer \(RFC 6901\)/);
  });
});

describe("url-watch: errors", () => {
  it("404 is not retried, 503 is, and a missing url exits 78", async () => {
    current = { status: 404, body: "nope" };
    assert.equal((await poll({ url: `${server.url}/x` })).outcome.retryable, false);
    current = { status: 503, body: "later" };
    assert.equal((await poll({ url: `${server.url}/x` })).outcome.retryable, true);
    const missing = await poll({});
    assert.equal(missing.exitCode, 78);
    assert.match(missing.outcome.error ?? "", /config\.url is required/);
  });
});
