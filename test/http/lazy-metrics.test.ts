import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LazyMetrics } from "../../src/http/lazy-metrics.js";
import { fixture } from "../store/helpers.js";

function value(text: string, series: string): number | null {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

describe("LazyMetrics", () => {
  it("counts recorded before the first scrape appear in it, and later ones add to them", async () => {
    const { store, clock } = fixture();
    const m = new LazyMetrics(store, clock);
    m.recordRequest("/hook/a", 202);
    m.recordRequest("/hook/a", 202);
    m.recordRequest("other", 404);
    m.recordAttempt({
      plugin: "p",
      command: "handle",
      outcome: "succeeded",
      jobStatus: "succeeded",
      durationMs: 20,
    });
    m.recordAttempt({
      plugin: "p",
      command: "handle",
      outcome: "failed",
      jobStatus: "queued",
      durationMs: 3000,
    });
    m.recordAttempt({ plugin: "p", command: "poll", outcome: "failed", jobStatus: "dead", durationMs: null });

    const first = await m.render(() => assert.fail("the store is readable"));
    assert.match(first.contentType, /^text\/plain/);
    assert.equal(value(first.text, 'postern_webhook_requests_total{path="/hook/a",code="202"}'), 2);
    assert.equal(value(first.text, 'postern_webhook_requests_total{path="other",code="404"}'), 1);
    assert.equal(
      value(first.text, 'postern_attempts_total{plugin="p",command="handle",outcome="failed"}'),
      1,
    );
    assert.equal(value(first.text, 'postern_jobs_total{plugin="p",command="handle",outcome="succeeded"}'), 1);
    assert.equal(value(first.text, 'postern_jobs_total{plugin="p",command="poll",outcome="dead"}'), 1);
    assert.equal(value(first.text, 'postern_attempt_duration_seconds_count{plugin="p",command="handle"}'), 2);
    assert.equal(
      value(first.text, 'postern_attempt_duration_seconds_sum{plugin="p",command="handle"}'),
      3.02,
    );

    m.recordRequest("/hook/a", 202);
    const second = await m.render(() => assert.fail("the store is readable"));
    assert.equal(value(second.text, 'postern_webhook_requests_total{path="/hook/a",code="202"}'), 3);
    assert.equal(
      value(second.text, 'postern_attempts_total{plugin="p",command="handle",outcome="failed"}'),
      1,
    );
  });
});
