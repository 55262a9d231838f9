/** `respond`: the SDK's request → response step in-process (what plugin authors unit-test with). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, fail, respond, stringList, webhookOf } from "../../src/sdk/index.js";

function request(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    protocol: 1,
    job_id: "job-1",
    command: "poll",
    attempt: 2,
    config: { a: 1 },
    state: { s: true },
    deadline_at: new Date(Date.now() + 60_000).toISOString(),
    ...extra,
  });
}

describe("sdk: respond", () => {
  it("hands the handler the request's parts and a deadline", async () => {
    let seen: Record<string, unknown> = {};
    const out = await respond(
      {
        poll(ctx) {
          seen = {
            config: ctx.config,
            state: ctx.state,
            attempt: ctx.attempt,
            job: ctx.jobId,
            aborted: ctx.signal.aborted,
            future: ctx.deadline.getTime() > Date.now(),
          };
        },
      },
      request(),
    );
    assert.deepEqual(out, { response: { protocol: 1, status: "ok" }, exitCode: 0 });
    assert.deepEqual(seen, {
      config: { a: 1 },
      state: { s: true },
      attempt: 2,
      job: "job-1",
      aborted: false,
      future: true,
    });
  });

  it("passes state_replace through and keeps logs from a failing handler", async () => {
    const ok = await respond({ poll: () => ({ state_updates: { x: 1 }, state_replace: true }) }, request());
    assert.deepEqual(ok.response, {
      protocol: 1,
      status: "ok",
      state_updates: { x: 1 },
      state_replace: true,
    });
    const failed = await respond(
      {
        poll(ctx) {
          ctx.log.info("before");
          fail("after", { retry: false });
        },
      },
      request(),
    );
    assert.deepEqual(failed.response, {
      protocol: 1,
      status: "error",
      error: "after",
      retry: false,
      logs: [{ level: "info", message: "before" }],
    });
  });

  it("a handle request without an event is refused", async () => {
    const out = await respond({ handle: () => undefined }, request({ command: "handle" }));
    assert.equal(out.response.error, "handle request without an event");
    assert.equal(out.response.retry, false);
  });

  it("a ConfigError carries exit 78; a non-Error throw is still a message", async () => {
    const cfg = await respond(
      {
        poll() {
          throw new ConfigError("config.url is required");
        },
      },
      request(),
    );
    assert.equal(cfg.exitCode, 78);
    const odd = await respond(
      {
        poll() {
          throw "plain string";
        },
      },
      request(),
    );
    assert.deepEqual(odd.response, { protocol: 1, status: "error", error: "plain string", retry: true });
  });

  it("refuses results the core would call a protocol error: not JSON, too many events", async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const notJson = await respond({ poll: () => ({ state_updates: cyclic }) }, request());
    assert.match(String(notJson.response.error), /not JSON/);
    const events = Array.from({ length: 1001 }, () => ({ type: "x" }));
    const tooMany = await respond({ poll: () => ({ events }) }, request());
    assert.match(String(tooMany.response.error), /invalid result/);
    assert.equal(tooMany.response.retry, false);
  });

  it("the deadline signal aborts a margin before deadline_at", async () => {
    const started = Date.now();
    const out = await respond(
      {
        poll: (ctx) =>
          new Promise((_, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason))),
      },
      request({ deadline_at: new Date(started + 400).toISOString() }),
      { deadlineMarginMs: 200 },
    );
    const took = Date.now() - started;
    assert.ok(took >= 150 && took < 390, `aborted after ${took} ms`);
    assert.match(String(out.response.error), /deadline reached: gave up 200 ms before/);
    assert.equal(out.response.retry, true);
  });
});

describe("sdk: config and webhook helpers", () => {
  it("stringList takes one value or a list, refuses neither", () => {
    assert.deepEqual(stringList({ url: "a", urls: ["b", "a"] }, "url", "urls"), ["a", "b"]);
    assert.throws(() => stringList({}, "url", "urls"), ConfigError);
    assert.throws(() => stringList({ urls: [1] }, "url", "urls"), /list of non-empty strings/);
  });

  it("webhookOf reads the listener's metadata and is null without it", () => {
    const base = { event_id: "e", type: "t", payload: {}, source: "s", timestamp: "now" };
    assert.equal(webhookOf(base), null);
    const w = webhookOf({
      ...base,
      webhook: {
        path: "/hook",
        headers: { "X-Upper": "1" },
        query: { a: "b" },
        content_type: "application/json",
      },
    });
    assert.deepEqual(w, {
      path: "/hook",
      headers: { "x-upper": "1" },
      query: { a: "b" },
      content_type: "application/json",
    });
  });
});
