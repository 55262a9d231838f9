/** The feed plugin against a local HTTP server: new entries, conditional GET, bad input, caps. */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import type { RunResult } from "../../src/runner/run.js";
import { bundled, type RunInput, responseOf, runLoaded } from "../sdk/harness.js";
import { type LocalServer, serve } from "../sdk/server.js";
import { atom, type Item, rss } from "./feeds.js";

interface Route {
  status?: number;
  body?: string;
  contentType?: string;
  etag?: string;
  lastModified?: string;
}

const routes = new Map<string, Route>();
let server: LocalServer;
const feed = (path: string) => `${server.url}${path}`;

before(async () => {
  server = await serve((req, res) => {
    const route = routes.get(req.url ?? "") ?? { status: 404, body: "no such feed" };
    const headers: Record<string, string> = { "content-type": route.contentType ?? "application/rss+xml" };
    if (route.etag) headers.etag = route.etag;
    if (route.lastModified) headers["last-modified"] = route.lastModified;
    const fresh =
      (route.etag && req.headers["if-none-match"] === route.etag) ||
      (route.lastModified && req.headers["if-modified-since"] === route.lastModified);
    res.writeHead(fresh ? 304 : (route.status ?? 200), headers);
    res.end(fresh ? undefined : route.body);
  });
});
after(() => server.close());
beforeEach(() => {
  routes.clear();
  server.requests.length = 0;
});

function poll(config: Record<string, unknown>, state: Record<string, unknown> = {}, extra: RunInput = {}) {
  return runLoaded(bundled("feed"), { command: "poll", config, state, ...extra });
}

type FeedState = Record<string, { etag: string | null; last_modified: string | null; seen: string[] }>;

function feedState(r: RunResult): FeedState {
  return (responseOf(r).state_updates?.feeds ?? {}) as FeedState;
}

const items = (...ids: number[]): Item[] =>
  ids.map((n) => ({ id: `id-${n}`, title: `Entry ${n}`, link: `https://example.org/${n}` }));

describe("feed: new entries", () => {
  it("first poll only remembers by default; the next emits just the new entry, with a dedupe key", async () => {
    routes.set("/rss", { body: rss(items(2, 1)) });
    const first = await poll({ url: feed("/rss") });
    assert.equal(first.outcome.status, "succeeded", first.outcome.error ?? first.stderr);
    assert.deepEqual(responseOf(first).events, []);
    assert.match(responseOf(first).logs?.[0]?.message ?? "", /first poll, remembered 2 entries/);

    routes.set("/rss", { body: rss(items(3, 2, 1)) });
    const second = await poll({ url: feed("/rss") }, responseOf(first).state_updates);
    const events = responseOf(second).events ?? [];
    assert.equal(events.length, 1);
    assert.equal(events[0]?.type, "feed.item");
    assert.equal(events[0]?.dedupe_key, `feed:${feed("/rss")}#id-3`);
    const payload = events[0]?.payload as Record<string, unknown>;
    assert.equal(payload.title, "Entry 3");
    assert.equal(payload.link, "https://example.org/3");
    assert.equal(payload.summary, "About Entry 3");
    assert.deepEqual(payload.feed, { url: feed("/rss"), title: "Test feed", link: "https://example.org/" });
  });

  it("emit_existing: true emits every entry on the first poll, oldest first", async () => {
    routes.set("/rss", { body: rss(items(3, 2, 1)) });
    const r = await poll({ urls: [feed("/rss")], emit_existing: true });
    const ids = (responseOf(r).events ?? []).map((e) => (e.payload as { id: string }).id);
    assert.deepEqual(ids, ["id-1", "id-2", "id-3"]);
  });

  it("reads Atom: <id>, the alternate link, dates, author", async () => {
    routes.set("/atom", {
      contentType: "application/atom+xml",
      body: atom([{ id: "tag:example.org,2026:1", title: "A & B", link: "https://example.org/a" }]),
    });
    const r = await poll({ url: feed("/atom"), emit_existing: true });
    const e = responseOf(r).events?.[0];
    assert.equal(e?.dedupe_key, `feed:${feed("/atom")}#tag:example.org,2026:1`);
    assert.deepEqual(
      { ...(e?.payload as Record<string, unknown>), feed: undefined },
      {
        id: "tag:example.org,2026:1",
        title: "A & B",
        link: "https://example.org/a",
        published: "2026-02-01T10:00:00.000Z",
        updated: "2026-02-01T10:00:00.000Z",
        summary: "Sum A & B",
        author: "Ann",
        feed: undefined,
      },
    );
  });

  it("falls back from guid to link, and from link to a hash of the entry", async () => {
    routes.set("/rss", {
      body: rss([
        { title: "no guid", link: "https://example.org/only-link" },
        { title: "nothing", date: "Mon, 02 Feb 2026 09:00:00 GMT" },
      ]),
    });
    const r = await poll({ url: feed("/rss"), emit_existing: true });
    const ids = (responseOf(r).events ?? []).map((e) => (e.payload as { id: string }).id);
    assert.equal(ids[1], "https://example.org/only-link");
    assert.match(ids[0] ?? "", /^sha256:[0-9a-f]{32}$/);
    const again = await poll({ url: feed("/rss") }, responseOf(r).state_updates);
    assert.deepEqual(responseOf(again).events, [], "the hashed id is stable across polls");
  });

  it("an id listed twice is one event", async () => {
    routes.set("/rss", { body: rss([...items(1), ...items(1)]) });
    const r = await poll({ url: feed("/rss"), emit_existing: true });
    assert.equal(responseOf(r).events?.length, 1);
    assert.equal(feedState(r)[feed("/rss")]?.seen.length, 1);
  });

  it("caps remembered ids but never below what the feed still lists", async () => {
    let last: RunResult | undefined;
    for (const window of [
      [2, 1],
      [4, 3, 2],
      [6, 5, 4],
    ]) {
      routes.set("/rss", { body: rss(items(...window)) });
      last = await poll({ url: feed("/rss"), remember: 4 }, last ? responseOf(last).state_updates : {});
    }
    assert.ok(last);
    const state = responseOf(last).state_updates;
    assert.equal(feedState(last)[feed("/rss")]?.seen.length, 4);
    routes.set("/rss", { body: rss(items(9, 8, 7, 6, 5, 4)) });
    const big = await poll({ url: feed("/rss"), remember: 4 }, state);
    assert.equal(responseOf(big).events?.length, 3);
    assert.equal(feedState(big)[feed("/rss")]?.seen.length, 6, "all 6 listed entries stay remembered");
  });
});

describe("feed: the per-response event limit", () => {
  it("emits at most 1000 events and leaves the rest, unremembered, for the next poll", async () => {
    const many = items(...Array.from({ length: 1001 }, (_, i) => 1001 - i));
    routes.set("/many", { body: rss(many), etag: '"e"' });
    const first = await poll({ url: feed("/many"), emit_existing: true, remember: 2000 });
    assert.equal(responseOf(first).events?.length, 1000);
    assert.equal(feedState(first)[feed("/many")]?.etag, null, "no validator: the next poll must refetch");
    const second = await poll({ url: feed("/many"), remember: 2000 }, responseOf(first).state_updates);
    const ids = (responseOf(second).events ?? []).map((e) => (e.payload as { id: string }).id);
    assert.deepEqual(ids, ["id-1001"]);
  });
});

describe("feed: conditional GET", () => {
  it("sends If-None-Match / If-Modified-Since from state; a 304 emits nothing and keeps state", async () => {
    const lastModified = "Tue, 03 Feb 2026 10:00:00 GMT";
    routes.set("/rss", { body: rss(items(1)), etag: '"v1"', lastModified });
    const first = await poll({ url: feed("/rss") });
    const kept = feedState(first)[feed("/rss")];
    assert.equal(kept?.etag, '"v1"');
    assert.equal(kept?.last_modified, lastModified);

    const second = await poll({ url: feed("/rss") }, responseOf(first).state_updates);
    const sent = server.requests.at(-1)?.headers;
    assert.equal(sent?.["if-none-match"], '"v1"');
    assert.equal(sent?.["if-modified-since"], lastModified);
    assert.deepEqual(responseOf(second).events, []);
    assert.deepEqual(feedState(second), feedState(first));
    assert.match(responseOf(second).logs?.[0]?.message ?? "", /not modified/);
  });
});

describe("feed: bad input", () => {
  it("malformed XML → error, retried, with the line", async () => {
    routes.set("/bad", { body: "<rss><channel><item></channel></rss>" });
    const r = await poll({ url: feed("/bad") });
    assert.equal(r.outcome.status, "failed");
    assert.equal(r.outcome.retryable, true);
    assert.match(r.outcome.error ?? "", /^malformed XML from .*\/bad: .*\(line 1, column \d+\)/);
  });

  it("valid XML that is not a feed → not retried", async () => {
    routes.set("/html", { body: "<html><body>hi</body></html>", contentType: "text/html" });
    const r = await poll({ url: feed("/html") });
    assert.equal(r.outcome.retryable, false);
    assert.match(r.outcome.error ?? "", /not an RSS or Atom feed \(its root element is <html>\)/);
  });

  it("404 → not retried (the operator must fix the URL); 500 → retried", async () => {
    const gone = await poll({ url: feed("/gone") });
    assert.equal(gone.outcome.retryable, false);
    assert.match(gone.outcome.error ?? "", /HTTP 404/);
    routes.set("/down", { status: 500, body: "oops" });
    const down = await poll({ url: feed("/down") });
    assert.equal(down.outcome.retryable, true);
    assert.match(down.outcome.error ?? "", /HTTP 500: oops/);
  });

  it("one broken feed does not hold back the others", async () => {
    routes.set("/rss", { body: rss(items(1)) });
    const r = await poll({ urls: [feed("/gone"), feed("/rss")], emit_existing: true });
    assert.equal(r.outcome.status, "succeeded");
    assert.equal(responseOf(r).events?.length, 1);
    assert.ok(responseOf(r).logs?.some((l) => l.level === "error" && /HTTP 404/.test(l.message)));
    assert.deepEqual(Object.keys(feedState(r)), [feed("/rss")]);
  });

  it("a body over max_bytes is refused", async () => {
    routes.set("/huge", { body: rss(items(...Array.from({ length: 200 }, (_, i) => i))) });
    const r = await poll({ url: feed("/huge"), max_bytes: 2048 });
    assert.equal(r.outcome.retryable, false);
    assert.match(r.outcome.error ?? "", /larger than 2048 bytes/);
  });

  it("no url → exit 78 with the reason on stderr", async () => {
    const r = await poll({});
    assert.equal(r.exitCode, 78);
    assert.equal(r.outcome.retryable, false);
    assert.match(r.stderr, /give config\.url or config\.urls/);
  });
});

describe("feed: local files", () => {
  it("reads a feed from a path, as the example configuration does", async () => {
    const dir = mkdtempSync(join(tmpdir(), "postern-feed-"));
    const file = join(dir, "feed.xml");
    writeFileSync(file, rss(items(1, 2)));
    const r = await poll({ url: file, emit_existing: true });
    assert.equal(responseOf(r).events?.length, 2);
    const again = await poll({ url: file }, responseOf(r).state_updates);
    assert.match(responseOf(again).logs?.[0]?.message ?? "", /not modified/);
  });
});
