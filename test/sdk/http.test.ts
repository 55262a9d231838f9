/** fetchBounded / httpError against a local server and local files: caps, retries, conditional GET. */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fetchBounded, httpError, PluginError, sourceUrl } from "../../src/sdk/index.js";
import { type LocalServer, serve } from "./server.js";

describe("sdk: fetchBounded", () => {
  let server: LocalServer;
  before(async () => {
    server = await serve((req, res) => {
      const status = Number(new URL(req.url ?? "/", "http://x").searchParams.get("status") ?? 200);
      if (req.url?.startsWith("/big")) {
        res.writeHead(200);
        // Chunked, no Content-Length: the cap must hold while streaming.
        for (let i = 0; i < 64; i++) res.write(Buffer.alloc(1024, 97));
        res.end();
        return;
      }
      res.writeHead(status, { "content-type": "text/plain" });
      res.end(`body for ${status}`);
    });
  });
  after(() => server.close());

  it("returns status, headers and body", async () => {
    const r = await fetchBounded(`${server.url}/x`);
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), "body for 200");
    assert.equal(r.headers.get("content-type"), "text/plain");
  });

  it("refuses a body over the cap, streamed or declared, without retry", async () => {
    await assert.rejects(fetchBounded(`${server.url}/big`, { maxBytes: 10_000 }), (e: unknown) => {
      assert.ok(e instanceof PluginError);
      assert.equal(e.retry, false);
      assert.match(e.message, /larger than 10000 bytes/);
      return true;
    });
  });

  it("httpError: 4xx is not retried except 408/425/429; 5xx is", async () => {
    const retryOf = async (status: number) =>
      httpError(await fetchBounded(`${server.url}/?status=${status}`)).retry;
    assert.equal(await retryOf(404), false);
    assert.equal(await retryOf(401), false);
    assert.equal(await retryOf(429), true);
    assert.equal(await retryOf(408), true);
    assert.equal(await retryOf(500), true);
    assert.equal(await retryOf(503), true);
    const e = httpError(await fetchBounded(`${server.url}/?status=404`));
    assert.match(e.message, /HTTP 404: body for 404$/);
  });

  it("a refused connection is retried, and a label hides the URL", async () => {
    const closed = await serve(() => {});
    const url = `${closed.url}/secret-token`;
    await closed.close();
    await assert.rejects(fetchBounded(url, { method: "POST", label: "the hook" }), (e: unknown) => {
      assert.ok(e instanceof PluginError);
      assert.equal(e.retry, true);
      assert.equal(e.message, "POST the hook failed: ECONNREFUSED");
      return true;
    });
  });

  it("a per-request timeout is a retryable failure", async () => {
    const slow = await serve(() => {});
    try {
      await assert.rejects(fetchBounded(slow.url, { timeoutMs: 100 }), /timed out after 100 ms/);
    } finally {
      await slow.close();
    }
  });
});

describe("sdk: local files as sources", () => {
  const dir = mkdtempSync(join(tmpdir(), "postern-src-"));
  const file = join(dir, "doc.xml");
  writeFileSync(file, "<x/>");

  it("reads plain paths and file: URLs, 404 when missing", async () => {
    assert.equal((await fetchBounded(file)).body.toString(), "<x/>");
    assert.equal((await fetchBounded(`file://${file}`)).status, 200);
    assert.equal((await fetchBounded(join(dir, "missing.xml"))).status, 404);
  });

  it("answers 304 to a matching If-None-Match or If-Modified-Since", async () => {
    const first = await fetchBounded(file);
    const etag = first.headers.get("etag") ?? "";
    const lastModified = first.headers.get("last-modified") ?? "";
    assert.equal((await fetchBounded(file, { headers: { "If-None-Match": etag } })).status, 304);
    assert.equal((await fetchBounded(file, { headers: { "If-Modified-Since": lastModified } })).status, 304);
    assert.equal((await fetchBounded(file, { headers: { "If-None-Match": 'W/"other"' } })).status, 200);
  });

  it("refuses other schemes", () => {
    assert.throws(() => sourceUrl("ftp://example.org/feed"), /unsupported URL scheme "ftp:"/);
    assert.equal(sourceUrl("relative/feed.xml").protocol, "file:");
  });
});
