/** The Python helper (src/sdk/python/postern_plugin.py) in real processes through the runner. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { pyPlugin, responseOf, runLoaded } from "./harness.js";

describe("python helper", () => {
  it("turns a returned dict into ok, and print() goes to stderr", async () => {
    const p = pyPlugin(`
def poll(ctx):
    print("diagnostic")
    ctx.log.info("count was %d" % ctx.state.get("count", 0))
    return {"events": [{"type": "tick", "payload": {"greeting": ctx.config["greeting"]}}],
            "state_updates": {"count": ctx.state.get("count", 0) + 1}}

define_plugin(poll=poll)`);
    const r = await runLoaded(p, { config: { greeting: "hi" }, state: { count: 4 } });
    assert.equal(r.outcome.status, "succeeded", r.outcome.error ?? r.stderr);
    const res = responseOf(r);
    assert.deepEqual(res.events, [{ type: "tick", payload: { greeting: "hi" } }]);
    assert.deepEqual(res.state_updates, { count: 5 });
    assert.deepEqual(res.logs, [{ level: "info", message: "count was 4" }]);
    assert.equal(r.stderr, "diagnostic\n");
  });

  it("None is ok; fail(retry=False) is not retried; an exception is, with a traceback", async () => {
    const p = pyPlugin(`
def health(ctx):
    return None

def handle(ctx):
    fail("bad event " + ctx.event["type"], retry=False)

def poll(ctx):
    raise RuntimeError("flaky upstream")

define_plugin(poll=poll, handle=handle, health=health)`);
    const health = await runLoaded(p, { command: "health" });
    assert.deepEqual(health.outcome.response, { protocol: 1, status: "ok" });
    const handle = await runLoaded(p, { event: { type: "weird" } });
    assert.equal(handle.outcome.retryable, false);
    assert.equal(handle.outcome.error, "bad event weird");
    const poll = await runLoaded(p);
    assert.equal(poll.outcome.retryable, true);
    assert.equal(poll.outcome.error, "RuntimeError: flaky upstream");
    assert.match(poll.stderr, /Traceback \(most recent call last\)/);
  });

  it("ConfigError (and require) exit 78, not retried", async () => {
    const p = pyPlugin(`
def poll(ctx):
    require(ctx.config, "api_key", "user")

define_plugin(poll=poll)`);
    const r = await runLoaded(p, { config: { user: "" } });
    assert.equal(r.exitCode, 78);
    assert.equal(r.outcome.retryable, false);
    assert.equal(r.outcome.error, "missing config: config.api_key, config.user");
  });

  it("raises DeadlineExceeded in the handler before the core's deadline", async () => {
    const p = pyPlugin(`
import time

def poll(ctx):
    time.sleep(30)

define_plugin(poll=poll)`);
    const r = await runLoaded(p, { timeoutMs: 1500 });
    assert.equal(r.timedOut, false);
    assert.equal(r.outcome.retryable, true);
    assert.match(r.outcome.error ?? "", /^deadline reached: gave up \d+ ms before deadline_at/);
  });

  it("exits after answering even with a thread still running", async () => {
    const p = pyPlugin(`
import threading, time

def poll(ctx):
    threading.Thread(target=time.sleep, args=(30,)).start()
    return {}

define_plugin(poll=poll)`);
    const r = await runLoaded(p, { timeoutMs: 10_000 });
    assert.equal(r.outcome.status, "succeeded", r.outcome.error ?? r.stderr);
    assert.ok(r.durationMs < 5000, `took ${r.durationMs} ms`);
  });

  it("a missing handler and an invalid result are errors that are not retried", async () => {
    const p = pyPlugin(`
def poll(ctx):
    return {"events": [{"payload": 1}]}

define_plugin(poll=poll)`);
    const missing = await runLoaded(p, { command: "init" });
    assert.equal(missing.outcome.error, 'this plugin has no handler for "init"');
    assert.equal(missing.outcome.retryable, false);
    const invalid = await runLoaded(p);
    assert.match(invalid.outcome.error ?? "", /invalid result: events\[0\] needs a non-empty string type/);
    assert.equal(invalid.outcome.retryable, false);
  });

  it("an invalid request exits 65 with a response that says why", () => {
    const p = pyPlugin("define_plugin(poll=lambda ctx: None)");
    for (const [input, why] of [
      ["nope", /not JSON/],
      [JSON.stringify({ protocol: 2 }), /protocol must be 1/],
    ] as const) {
      const r = spawnSync(p.entrypoint, [], { input, encoding: "utf8" });
      assert.equal(r.status, 65);
      const response = JSON.parse(r.stdout) as { error: string; retry: boolean };
      assert.match(response.error, why);
      assert.equal(response.retry, false);
    }
  });
});
