#!/usr/bin/env node
// feed: poll RSS/Atom feeds, emit `feed.item` for each entry not seen before. See README.md.
import { createHash } from "node:crypto";
import { decodeBody, parseFeed } from "./parse.mjs";

// The SDK of the Postern running this plugin (POSTERN_SDK, docs/plugin-authoring.md); the
// relative path is this package's own build, for running the file by hand.
const {
  definePlugin,
  fetchBounded,
  httpError,
  optionalBoolean,
  optionalInteger,
  optionalStringMap,
  PluginError,
  stringList,
} = await import(process.env.POSTERN_SDK ?? "../../dist/src/sdk/index.js");

const USER_AGENT = "postern-feed/1.0";
const FETCH_TIMEOUT_MS = 30_000;
const MAX_EVENTS = 1000;

function settings(config) {
  return {
    urls: stringList(config, "url", "urls"),
    emitExisting: optionalBoolean(config, "emit_existing", false),
    remember: optionalInteger(config, "remember", 500, { min: 1, max: 10_000 }),
    maxBytes: optionalInteger(config, "max_bytes", 5 * 1024 * 1024, { min: 1024, max: 100 * 1024 * 1024 }),
    headers: optionalStringMap(config, "headers"),
  };
}

// Ids are remembered as short hashes: a feed's ids can be long URLs, and state is capped at 1 MB.
function idHash(id) {
  return createHash("sha256").update(id).digest("hex").slice(0, 16);
}

async function fetchFeed(url, known, s, signal) {
  const headers = {
    "User-Agent": USER_AGENT,
    Accept: "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1",
    ...s.headers,
  };
  if (known?.etag) headers["If-None-Match"] = known.etag;
  if (known?.last_modified) headers["If-Modified-Since"] = known.last_modified;
  const res = await fetchBounded(url, { headers, signal, timeoutMs: FETCH_TIMEOUT_MS, maxBytes: s.maxBytes });
  if (res.status === 304 && known !== undefined) return { res, feed: null };
  if (res.status < 200 || res.status > 299) throw httpError(res);
  return { res, feed: parseFeed(decodeBody(res.body, res.headers.get("content-type")), url) };
}

/** One feed: the events to emit (oldest first), its new state, and a line for the log. */
async function pollFeed(url, known, s, room, signal) {
  const { res, feed } = await fetchFeed(url, known, s, signal);
  if (feed === null) return { events: [], state: known, log: `${url}: not modified` };

  const seen = new Set(known?.seen ?? []);
  const hashes = feed.entries.map((e) => idHash(e.id));
  // A feed listing the same id twice still yields one event.
  const once = new Set();
  const fresh = feed.entries
    .filter((_, i) => !seen.has(hashes[i]) && !once.has(hashes[i]) && once.add(hashes[i]))
    .reverse();
  const firstPoll = known === undefined;
  const emitting = firstPoll && !s.emitExisting ? [] : fresh.slice(0, room);
  const deferred = new Set(firstPoll && !s.emitExisting ? [] : fresh.slice(room).map((e) => idHash(e.id)));

  // Everything in the document is remembered (the cap never drops what the feed still lists),
  // except entries deferred to the next poll by the per-response event limit.
  const current = [...new Set(hashes.filter((h) => !deferred.has(h)))];
  const listed = new Set(current);
  const rest = [...seen].filter((h) => !listed.has(h));
  const state = {
    // Without the validators the next poll refetches, so deferred entries are not lost to a 304.
    etag: deferred.size > 0 ? null : res.headers.get("etag"),
    last_modified: deferred.size > 0 ? null : res.headers.get("last-modified"),
    seen: current.concat(rest).slice(0, Math.max(s.remember, current.length)),
  };
  const source = { url, title: feed.title, link: feed.link };
  const events = emitting.map((entry) => ({
    type: "feed.item",
    payload: { ...entry, feed: source },
    dedupe_key: `feed:${url}#${entry.id}`,
  }));
  let log = `${url}: ${events.length} new of ${feed.entries.length}`;
  if (firstPoll && !s.emitExisting)
    log = `${url}: first poll, remembered ${feed.entries.length} entries (emit_existing is false)`;
  if (deferred.size > 0) log += `; ${deferred.size} more next poll`;
  return { events, state, log };
}

function summarize(failures) {
  const retry = failures.some((f) => f.error.retry !== false);
  if (failures.length === 1) return new PluginError(failures[0].error.message, { retry });
  return new PluginError(failures.map((f) => f.error.message).join("; "), { retry });
}

definePlugin({
  async poll(ctx) {
    const s = settings(ctx.config);
    const previous = ctx.state.feeds ?? {};
    // Feeds removed from the config are forgotten, so state does not grow with old URLs.
    const feeds = {};
    for (const url of s.urls) if (previous[url] !== undefined) feeds[url] = previous[url];
    const events = [];
    const failures = [];
    let polled = 0;
    let cutShort = null;
    for (const url of s.urls) {
      try {
        const r = await pollFeed(url, feeds[url], s, MAX_EVENTS - events.length, ctx.signal);
        feeds[url] = r.state;
        events.push(...r.events);
        polled += 1;
        ctx.log.info(r.log);
      } catch (error) {
        if (ctx.signal.aborted) {
          cutShort = error;
          break;
        }
        if (!(error instanceof PluginError)) throw error;
        failures.push({ url, error });
        ctx.log.error(error.message);
      }
    }
    if (cutShort !== null) {
      // What was fetched before the deadline is kept; the remaining feeds wait for the next poll.
      if (polled === 0) throw cutShort;
      ctx.log.warn(`deadline near: polled ${polled} of ${s.urls.length} feeds, the rest next time`);
    }
    // One broken feed must not hold back the others; only when every feed failed is the poll a failure.
    if (failures.length > 0 && failures.length === s.urls.length) throw summarize(failures);
    return { events, state_updates: { feeds } };
  },
});
