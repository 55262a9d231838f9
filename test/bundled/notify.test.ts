/** The notify plugin: each format against a local server, files, idempotency, retries, config errors. */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { bundled, type RunInput, responseOf, runLoaded } from "../sdk/harness.js";
import { type LocalServer, serve } from "../sdk/server.js";

let server: LocalServer;
let answer = 200;

before(async () => {
  server = await serve((_req, res) => {
    res.writeHead(answer, { "content-type": "text/plain" });
    res.end(answer === 200 ? "ok" : `status ${answer}`);
  });
});
after(() => server.close());
beforeEach(() => {
  answer = 200;
  server.requests.length = 0;
});

const event = {
  type: "feed.item",
  event_id: "ev-1",
  source: "feed",
  timestamp: "2026-02-08T06:12:44.120Z",
  payload: { title: "New post", link: "https://example.org/p", nested: { n: 1 } },
};

function send(config: Record<string, unknown>, extra: RunInput = {}) {
  return runLoaded(bundled("notify"), { event, config, ...extra });
}

function lastBody(): unknown {
  const r = server.requests.at(-1);
  assert.ok(r, "the server got a request");
  return JSON.parse(r.body);
}

describe("notify: formats", () => {
  it("json (the default for a url): the event with rendered title and message", async () => {
    const r = await send({ url: `${server.url}/hook` });
    assert.equal(r.outcome.status, "succeeded", r.outcome.error ?? r.stderr);
    assert.equal(server.requests.at(-1)?.headers["content-type"], "application/json");
    assert.deepEqual(lastBody(), {
      event_id: "ev-1",
      type: "feed.item",
      source: "feed",
      timestamp: "2026-02-08T06:12:44.120Z",
      title: "feed.item",
      message: "New post",
      link: "https://example.org/p",
      payload: event.payload,
    });
  });

  it("ntfy: JSON to the server root with the topic taken from the URL", async () => {
    await send({
      url: `${server.url}/alerts`,
      format: "ntfy",
      title: "{{payload.title}}",
      template: "from {{source}}",
    });
    assert.equal(server.requests.at(-1)?.url, "/");
    assert.deepEqual(lastBody(), {
      topic: "alerts",
      title: "New post",
      message: "from feed",
      click: "https://example.org/p",
    });
  });

  it("slack and discord: their message shapes", async () => {
    await send({ url: `${server.url}/slack`, format: "slack" });
    assert.deepEqual(lastBody(), { text: "*feed.item*\nNew post\nhttps://example.org/p" });
    await send({
      url: `${server.url}/discord`,
      format: "discord",
      template: '{{payload.nested.n}} {{payload.missing|"fallback"}}',
    });
    assert.deepEqual(lastBody(), { content: "**feed.item**\n1 fallback\nhttps://example.org/p" });
  });

  it("custom headers are sent (e.g. an ntfy access token)", async () => {
    await send({ url: `${server.url}/t`, format: "ntfy", headers: { Authorization: "Bearer tk_x" } });
    assert.equal(server.requests.at(-1)?.headers.authorization, "Bearer tk_x");
  });
});

describe("notify: file target", () => {
  it("appends one text line per event (json lines with format: json), creating the directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "postern-notify-"));
    const file = join(dir, "sub", "n.log");
    const first = await send({ file });
    assert.equal(first.outcome.status, "succeeded", first.outcome.error ?? first.stderr);
    await send({ file, format: "json", template: "line\nbreak" }, { event: { ...event, event_id: "ev-2" } });
    const lines = readFileSync(file, "utf8").split("\n");
    assert.equal(lines[0], "2026-02-08T06:12:44.120Z feed.item: New post <https://example.org/p>");
    assert.equal((JSON.parse(lines[1] ?? "") as { message: string }).message, "line\nbreak");
    assert.equal(lines[2], "");
  });

  it("a path that cannot be a file is not retried", async () => {
    const dir = mkdtempSync(join(tmpdir(), "postern-notify-"));
    writeFileSync(join(dir, "plain"), "");
    for (const file of [join(dir, "plain", "n.log"), "/proc/postern-cannot-write/n.log", dir]) {
      const r = await send({ file });
      assert.equal(r.outcome.status, "failed", file);
      assert.equal(r.outcome.retryable, false, file);
      assert.match(r.outcome.error ?? "", /^cannot append to .*: E(NOTDIR|NOENT|ISDIR)$/);
    }
  });
});

describe("notify: once per event_id", () => {
  it("remembers delivered ids in state and skips a redelivery with a log line", async () => {
    const first = await send(
      { url: `${server.url}/h`, remember: 2 },
      { state: { delivered: ["old-1", "old-2"] } },
    );
    assert.deepEqual(responseOf(first).state_updates, { delivered: ["old-2", "ev-1"] });
    assert.equal(server.requests.length, 1);
    const again = await send({ url: `${server.url}/h` }, { state: responseOf(first).state_updates ?? {} });
    assert.equal(again.outcome.status, "succeeded");
    assert.equal(server.requests.length, 1, "no second delivery");
    assert.equal(responseOf(again).state_updates, undefined);
    assert.match(responseOf(again).logs?.[0]?.message ?? "", /event ev-1 was already delivered; skipped/);
  });
});

describe("notify: failures", () => {
  it("4xx → not retried, 5xx and 429 → retried; the URL's secret path is not in the error", async () => {
    const url = `${server.url}/services/T0/B0/SECRET`;
    answer = 404;
    const gone = await send({ url, format: "slack" });
    assert.equal(gone.outcome.retryable, false);
    assert.equal(gone.outcome.error, `POST ${server.url}/…: HTTP 404: status 404`);
    answer = 502;
    assert.equal((await send({ url })).outcome.retryable, true);
    answer = 429;
    assert.equal((await send({ url })).outcome.retryable, true);
  });

  it("a refused connection is retried", async () => {
    const closed = await serve(() => {});
    await closed.close();
    const r = await send({ url: `${closed.url}/x` });
    assert.equal(r.outcome.retryable, true);
    assert.match(r.outcome.error ?? "", /POST http:\/\/127\.0\.0\.1:\d+\/… failed: ECONNREFUSED/);
  });

  it("missing or contradictory config exits 78 with a clear message on stderr", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{}, /give exactly one target/],
      [{ url: "http://x", file: "/tmp/x" }, /give exactly one target/],
      [{ url: "ftp://x" }, /must be an http/],
      [{ file: "/tmp/x", format: "slack" }, /needs config\.url/],
      [{ url: "http://x", format: "carrier-pigeon" }, /config\.format must be one of/],
      [{ url: "http://x", remember: 0 }, /config\.remember must be a whole number/],
    ];
    for (const [config, message] of cases) {
      const r = await send(config);
      assert.equal(r.exitCode, 78, JSON.stringify(config));
      assert.equal(r.outcome.retryable, false);
      assert.match(r.stderr, message);
    }
  });

  it("health reports the target without sending anything", async () => {
    const r = await runLoaded(bundled("notify"), {
      command: "health",
      config: { url: `${server.url}/x/SECRET` },
    });
    assert.equal(r.outcome.status, "succeeded");
    assert.equal(server.requests.length, 0);
    assert.doesNotMatch(JSON.stringify(r.outcome.response), /SECRET/);
  });
});
