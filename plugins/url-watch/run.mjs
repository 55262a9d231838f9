#!/usr/bin/env node
// url-watch: poll one URL, emit `url.changed` when its content (or one value inside a JSON
// document, chosen by a JSON Pointer) changes. The first poll only remembers. See README.md.
import { createHash } from "node:crypto";
import { canonicalJson, parsePointer, resolvePointer } from "./pointer.mjs";

// The SDK of the Postern running this plugin (POSTERN_SDK, docs/plugin-authoring.md); the
// relative path is this package's own build, for running the file by hand.
const {
  ConfigError,
  definePlugin,
  fetchBounded,
  httpError,
  optionalInteger,
  optionalString,
  optionalStringMap,
  PluginError,
  requireString,
} = await import(process.env.POSTERN_SDK ?? "../../dist/src/sdk/index.js");

const USER_AGENT = "postern-url-watch/1.0";
const FETCH_TIMEOUT_MS = 30_000;
// Values up to this size travel in the event (and in state, to show "before" next time).
const VALUE_MAX_CHARS = 2000;

function settings(config) {
  const pointer = optionalString(config, "json_pointer");
  let tokens = null;
  if (pointer !== undefined) {
    try {
      tokens = parsePointer(pointer);
    } catch (e) {
      throw new ConfigError(`config.json_pointer is not a JSON Pointer (RFC 6901): ${e.message}`);
    }
  }
  return {
    url: requireString(config, "url"),
    pointer: pointer ?? null,
    tokens,
    maxBytes: optionalInteger(config, "max_bytes", 5 * 1024 * 1024, { min: 1024, max: 100 * 1024 * 1024 }),
    headers: optionalStringMap(config, "headers"),
  };
}

const sha256 = (data) => createHash("sha256").update(data).digest("hex");

/**
 * What is compared: the whole body's bytes, or the pointed-at value in canonical JSON. A value
 * small enough to show is kept (`shown`), so the next change can say what it was before.
 */
function observe(body, s) {
  if (s.tokens === null)
    return { hash: sha256(body), present: true, shown: false, value: null, size: body.length };
  let doc;
  try {
    doc = JSON.parse(body.toString("utf8"));
  } catch (e) {
    // Often a proxy's or server's error page in place of the API: worth another try.
    throw new PluginError(`${s.url} is not JSON, so json_pointer cannot apply: ${e.message}`, {
      retry: true,
    });
  }
  const at = resolvePointer(doc, s.tokens);
  const text = at.found ? canonicalJson(at.value) : "(absent)";
  const shown = at.found && text.length <= VALUE_MAX_CHARS;
  return { hash: sha256(text), present: at.found, shown, value: shown ? at.value : null, size: body.length };
}

function show(o) {
  if (!o.present) return "(absent)";
  return o.shown ? JSON.stringify(o.value) : "(a large value)";
}

function describe(s, before, now) {
  if (s.pointer === null) return `${s.url} changed`;
  return `${s.url} ${s.pointer} changed: ${show(before)} → ${show(now)}`;
}

definePlugin({
  async poll(ctx) {
    const s = settings(ctx.config);
    const known = ctx.state;
    // A different url or pointer is a new watch: its first poll only remembers.
    const same = known.url === s.url && (known.json_pointer ?? null) === s.pointer && known.hash;
    const headers = { "User-Agent": USER_AGENT, ...s.headers };
    if (same && known.etag) headers["If-None-Match"] = known.etag;
    if (same && known.last_modified) headers["If-Modified-Since"] = known.last_modified;

    const res = await fetchBounded(s.url, {
      headers,
      signal: ctx.signal,
      timeoutMs: FETCH_TIMEOUT_MS,
      maxBytes: s.maxBytes,
    });
    if (res.status === 304 && same) {
      ctx.log.debug(`${s.url}: not modified`);
      return undefined;
    }
    if (res.status < 200 || res.status > 299) throw httpError(res);

    const now = observe(res.body, s);
    const state = {
      url: s.url,
      json_pointer: s.pointer,
      etag: res.headers.get("etag"),
      last_modified: res.headers.get("last-modified"),
      hash: now.hash,
      present: now.present,
      shown: now.shown,
      value: now.value,
    };
    if (!same) {
      ctx.log.info(
        `${s.url}: first poll, remembered the current ${s.pointer === null ? "content" : "value"}`,
      );
      return { state_updates: state };
    }
    if (now.hash === known.hash) {
      ctx.log.debug(`${s.url}: unchanged`);
      return { state_updates: state };
    }
    const payload = {
      title: describe(s, known, now),
      url: s.url,
      json_pointer: s.pointer,
      previous_hash: known.hash,
      hash: now.hash,
      content_type: res.headers.get("content-type"),
      size: now.size,
    };
    if (s.pointer !== null) {
      payload.previous = known.value ?? null;
      payload.current = now.value;
      payload.present = now.present;
    }
    ctx.log.info(payload.title);
    return { events: [{ type: "url.changed", payload }], state_updates: state };
  },
});
