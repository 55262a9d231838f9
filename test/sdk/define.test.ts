/**
 * The JavaScript SDK as the core sees it: real plugin processes written with definePlugin, run
 * through the real runner, with the outcome the daemon would record.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { jsPlugin, responseOf, runLoaded } from "./harness.js";

describe("sdk: definePlugin in a real process", () => {
  it("turns a returned object into an ok response with events, state and logs", async () => {
    const p = jsPlugin(`sdk.definePlugin({
      poll(ctx) {
        ctx.log.info("polled " + ctx.config.name);
        return {
          events: [{ type: "tick", payload: { n: (ctx.state.n ?? 0) + 1 }, dedupe_key: "k1" }],
          state_updates: { n: (ctx.state.n ?? 0) + 1 },
          logs: [{ level: "debug", message: "extra" }],
        };
      },
    });`);
    const r = await runLoaded(p, { config: { name: "x" }, state: { n: 41 } });
    assert.equal(r.outcome.status, "succeeded", r.outcome.error ?? "");
    const res = responseOf(r);
    assert.deepEqual(res.events, [{ type: "tick", payload: { n: 42 }, dedupe_key: "k1" }]);
    assert.deepEqual(res.state_updates, { n: 42 });
    assert.deepEqual(res.logs, [
      { level: "info", message: "polled x" },
      { level: "debug", message: "extra" },
    ]);
    assert.equal(r.stderr, "");
  });

  it("an undefined return is ok with nothing to report", async () => {
    const p = jsPlugin(`sdk.definePlugin({ async health() {} });`);
    const r = await runLoaded(p, { command: "health" });
    assert.equal(r.outcome.status, "succeeded");
    assert.deepEqual(r.outcome.response, { protocol: 1, status: "ok" });
  });

  it("a thrown Error is status error, retried, with the stack on stderr", async () => {
    const p = jsPlugin(`sdk.definePlugin({ poll() { throw new Error("upstream said no"); } });`);
    const r = await runLoaded(p);
    assert.equal(r.outcome.status, "failed");
    assert.equal(r.outcome.retryable, true);
    assert.equal(r.outcome.error, "upstream said no");
    assert.equal(r.exitCode, 0);
    assert.match(r.stderr, /Error: upstream said no\n\s+at /);
  });

  it("fail(message, {retry: false}) is a failure the core does not retry", async () => {
    const p = jsPlugin(`sdk.definePlugin({ poll() { sdk.fail("token revoked", { retry: false }); } });`);
    const r = await runLoaded(p);
    assert.equal(r.outcome.status, "failed");
    assert.equal(r.outcome.retryable, false);
    assert.equal(r.outcome.error, "token revoked");
    assert.equal(r.stderr, "", "a deliberate failure is not a crash: no stack");
  });

  it("a ConfigError exits 78 with the message on stderr and in the response", async () => {
    const p = jsPlugin(`sdk.definePlugin({ poll(ctx) { sdk.requireString(ctx.config, "api_key"); } });`);
    const r = await runLoaded(p, { config: {} });
    assert.equal(r.exitCode, 78);
    assert.equal(r.outcome.retryable, false);
    assert.match(r.outcome.error ?? "", /config\.api_key is required/);
    assert.match(r.stderr, /config\.api_key is required/);
  });

  it("a PluginError can ask for exit 75 (EX_TEMPFAIL): retried whatever it says", async () => {
    const p = jsPlugin(
      `sdk.definePlugin({ poll() { throw new sdk.PluginError("busy", { retry: false, exitCode: sdk.EX_TEMPFAIL }); } });`,
    );
    const r = await runLoaded(p);
    assert.equal(r.exitCode, 75);
    assert.equal(r.outcome.retryable, true);
  });

  it("console output and direct stdout writes go to stderr: the response stays valid", async () => {
    const p = jsPlugin(`sdk.definePlugin({
      poll() {
        console.log("log line");
        console.info("info line");
        console.debug("debug line");
        console.table([{ a: 1 }]);
        process.stdout.write("raw write\\n");
        return { events: [{ type: "after-noise" }] };
      },
    });`);
    const r = await runLoaded(p);
    assert.equal(r.outcome.status, "succeeded", r.outcome.error ?? "");
    assert.equal(responseOf(r).events?.[0]?.type, "after-noise");
    for (const text of ["log line", "info line", "debug line", "raw write", "(index)"])
      assert.ok(r.stderr.includes(text), `${text} on stderr: ${r.stderr}`);
  });

  it("aborts the signal before the deadline, so the plugin answers instead of being killed", async () => {
    const p = jsPlugin(`sdk.definePlugin({
      poll(ctx) {
        return new Promise((_, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)));
      },
    });`);
    const r = await runLoaded(p, { timeoutMs: 1500 });
    assert.equal(r.timedOut, false, "the plugin answered before the core's deadline");
    assert.equal(r.outcome.status, "failed");
    assert.equal(r.outcome.retryable, true);
    assert.match(r.outcome.error ?? "", /^deadline reached: gave up \d+ ms before deadline_at/);
  });

  it("explains an AbortError from a library cut short by the deadline", async () => {
    const p = jsPlugin(`import { setTimeout as sleep } from "node:timers/promises";
    sdk.definePlugin({ async poll(ctx) { await sleep(60_000, null, { signal: ctx.signal }); } });`);
    const r = await runLoaded(p, { timeoutMs: 1000 });
    assert.equal(r.timedOut, false);
    assert.match(r.outcome.error ?? "", /deadline reached/);
    assert.equal(r.outcome.retryable, true);
  });

  it("exits right after the response even if the handler left a timer running", async () => {
    const p = jsPlugin(`sdk.definePlugin({ poll() { setInterval(() => {}, 1000); return {}; } });`);
    const r = await runLoaded(p, { timeoutMs: 5000 });
    assert.equal(r.outcome.status, "succeeded");
    assert.ok(r.durationMs < 4000, `took ${r.durationMs} ms`);
  });

  it("a crash in a callback nobody awaited still yields exactly one response", async () => {
    const p = jsPlugin(`sdk.definePlugin({
      poll() {
        setTimeout(() => { throw new Error("late boom"); }, 10);
        return new Promise(() => {});
      },
    });`);
    const r = await runLoaded(p, { timeoutMs: 5000 });
    assert.equal(r.outcome.protocolError, false);
    assert.equal(r.exitCode, 1);
    assert.equal(r.outcome.retryable, true);
    assert.equal(r.outcome.error, "uncaught: late boom");
  });

  it("a command without a handler is an error that is not retried", async () => {
    const p = jsPlugin(`sdk.definePlugin({ poll() { return {}; } });`);
    const r = await runLoaded(p, { event: { type: "x" } });
    assert.equal(r.outcome.status, "failed");
    assert.equal(r.outcome.retryable, false);
    assert.equal(r.outcome.error, 'this plugin has no handler for "handle"');
  });

  it("an invalid result becomes a readable error instead of a protocol error", async () => {
    const p = jsPlugin(`sdk.definePlugin({ poll(ctx) {
      ctx.log.warn("kept");
      return { events: [{ payload: 1 }] };
    } });`);
    const r = await runLoaded(p);
    assert.equal(r.outcome.protocolError, false);
    assert.equal(r.outcome.retryable, false);
    assert.match(r.outcome.error ?? "", /^the handler returned an invalid result: .*type/);
    assert.deepEqual(responseOf(r).logs, [{ level: "warn", message: "kept" }]);
  });

  it("the handle context carries the typed event", async () => {
    const p = jsPlugin(`sdk.definePlugin({ handle(ctx) {
      return { events: [{ type: "seen", payload: { type: ctx.event.type, id: ctx.event.event_id, attempt: ctx.attempt, job: ctx.jobId } }] };
    } });`);
    const r = await runLoaded(p, { event: { type: "alert", event_id: "e-1" } });
    const payload = responseOf(r).events?.[0]?.payload as Record<string, unknown>;
    assert.equal(payload.type, "alert");
    assert.equal(payload.id, "e-1");
    assert.equal(payload.attempt, 1);
    assert.match(String(payload.job), /^[0-9a-f-]{36}$/);
  });
});

describe("sdk: invalid requests", () => {
  const p = jsPlugin(`sdk.definePlugin({ poll() { return {}; } });`);
  const feed = (input: string) => {
    const r = spawnSync(p.entrypoint, [], { input, encoding: "utf8", cwd: p.dir });
    return { status: r.status, response: JSON.parse(r.stdout) as Record<string, unknown> };
  };

  it("not JSON → exit 65 (EX_DATAERR) and an error that is not retried", () => {
    const r = feed("hello");
    assert.equal(r.status, 65);
    assert.equal(r.response.status, "error");
    assert.equal(r.response.retry, false);
    assert.match(String(r.response.error), /^invalid request: stdin is not JSON/);
  });

  it("wrong protocol, missing fields, or a bad deadline → exit 65 naming the field", () => {
    const base = {
      protocol: 1,
      job_id: "j",
      command: "poll",
      attempt: 1,
      config: {},
      state: {},
      deadline_at: "2030-01-01T00:00:00Z",
    };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...base, protocol: 2 }, /protocol/],
      [{ ...base, command: "dance" }, /command/],
      [{ ...base, state: [] }, /state/],
      [{ ...base, deadline_at: "soon" }, /deadline_at/],
    ];
    for (const [request, field] of cases) {
      const r = feed(JSON.stringify(request));
      assert.equal(r.status, 65, JSON.stringify(request));
      assert.match(String(r.response.error), field);
      assert.equal(r.response.retry, false);
    }
  });
});
