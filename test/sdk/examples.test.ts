/** The example plugins in Python and shell (plugins/hello-py, plugins/hello-sh) through the runner. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bundled, responseOf, runLoaded } from "./harness.js";

describe("example plugins", () => {
  it("hello-py counts polls in state and emits hello", async () => {
    const r = await runLoaded(bundled("hello-py"), { config: { greeting: "hej" }, state: { count: 2 } });
    assert.equal(r.outcome.status, "succeeded", r.outcome.error ?? r.stderr);
    assert.deepEqual(responseOf(r).events, [{ type: "hello", payload: { greeting: "hej", count: 3 } }]);
    assert.deepEqual(responseOf(r).state_updates, { count: 3 });
  });

  it("hello-py answers an event and refuses a non-string greeting with exit 78", async () => {
    const p = bundled("hello-py");
    const reply = await runLoaded(p, { event: { type: "ping", event_id: "e-9" } });
    assert.deepEqual(responseOf(reply).events?.[0]?.payload, {
      greeting: "hello",
      in_reply_to: "ping",
      event_id: "e-9",
    });
    const bad = await runLoaded(p, { config: { greeting: 5 } });
    assert.equal(bad.exitCode, 78);
    assert.equal(bad.outcome.retryable, false);
  });

  it("hello-sh emits hello with its job id, diagnostics on stderr", async () => {
    const r = await runLoaded(bundled("hello-sh"));
    assert.equal(r.outcome.status, "succeeded", r.outcome.error ?? r.stderr);
    const event = responseOf(r).events?.[0];
    assert.equal(event?.type, "hello");
    const payload = event?.payload as { from: string; at: string; job_id: string };
    assert.equal(payload.from, "sh");
    assert.match(payload.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(r.stderr, new RegExp(`hello-sh: poll for job ${payload.job_id}`));
  });

  it("hello-sh refuses a command it does not have, without retry", async () => {
    const r = await runLoaded(bundled("hello-sh"), { event: { type: "x" } });
    assert.equal(r.outcome.retryable, false);
    assert.equal(r.outcome.error, "hello-sh has no handle command");
  });
});
