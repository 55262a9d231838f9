/**
 * postern.webhook.rejected (SPEC §16, §17): raised from the one place every refused delivery passes,
 * coalesced per (plugin, endpoint path) by alerts.min_interval, written with the recent-rejections
 * list in one transaction at most once a second. Real store, fake clock, flush() called by hand.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { WebhookEndpoint } from "../../src/config/types.js";
import type { AlertSettings } from "../../src/core/system-events.js";
import { WebhookRejections, type WebhookRejectReason } from "../../src/http/rejections.js";
import type { RaisedAlerts } from "../../src/store/index.js";
import { type Fixture, fixture, idGen } from "../store/helpers.js";

const MIN = 60_000;
const INTERVAL = 15 * MIN;

function endpoint(path: string, plugin = "hooks"): WebhookEndpoint {
  return {
    path,
    plugin,
    provider: "hmac",
    secrets: ["s3cret-never-shown"],
    signature_header: "X-Postern-Signature",
    tolerance: 5 * MIN,
    max_body_size: 1024,
    event_type: "test",
    dedupe_header: null,
  };
}

function settings(to = "notify"): AlertSettings {
  return {
    routes: [{ from: "postern", event_type: "postern.webhook.rejected", to }],
    enabledPlugins: new Set(["hooks", "notify"]),
    maxAttemptsFor: () => 4,
    maxRouteDepth: 8,
    newId: idGen(),
    minIntervalMs: INTERVAL,
  };
}

function sink(f: Fixture, alerts = settings()) {
  const raised: RaisedAlerts[] = [];
  let writes = 0;
  const counted: string[] = [];
  const r = new WebhookRejections({
    store: f.store,
    now: () => f.clock.now(),
    count: (path, reason) => counted.push(`${path} ${reason}`),
    onWriteError: (e) => assert.fail(String(e)),
    onWritten: () => writes++,
    alerts: () => alerts,
    onAlerts: (a) => raised.push(a),
  });
  const sent = () => raised.flatMap((a) => a.sent);
  return { r, raised, sent, counted, writes: () => writes };
}

function refuse(
  r: WebhookRejections,
  ep: WebhookEndpoint,
  n: number,
  reason: WebhookRejectReason,
  remote = "127.0.0.9",
) {
  for (let i = 0; i < n; i++) r.record(ep, reason, remote);
}

describe("postern.webhook.rejected (SPEC §16, §17)", () => {
  it("a flood of refusals: one event with the counts per reason, one write, the metric counts each", () => {
    const f = fixture();
    const s = sink(f);
    const gh = endpoint("/hooks/github");
    refuse(s.r, gh, 1, "bad_signature");
    // The first refusal wrote at once (nothing written in the last second) and sent the event.
    assert.equal(s.writes(), 1);
    assert.equal(s.sent().length, 1);
    refuse(s.r, gh, 499, "bad_signature");
    refuse(s.r, gh, 3, "bad_json", "10.9.9.9");
    assert.equal(s.writes(), 1, "no write per refusal: the rest wait for the next second");
    assert.equal(s.counted.length, 503, "the metric counts every refusal");
    s.r.flush();
    assert.equal(s.writes(), 2);
    assert.equal(s.sent().length, 1, "within min_interval: counted, not sent");

    const [first] = s.sent();
    assert.equal(first?.type, "postern.webhook.rejected");
    assert.deepEqual(
      { ...first?.payload, first_at: undefined, last_at: undefined },
      {
        plugin: "hooks",
        command: "/hooks/github",
        path: "/hooks/github",
        job_ids: [],
        count: 1,
        reason: "1 bad_signature",
        reasons: { bad_signature: 1 },
        remotes: ["127.0.0.9"],
        title: "hooks /hooks/github: 1 webhook delivery rejected (1 bad_signature)",
        first_at: undefined,
        last_at: undefined,
      },
    );
    assert.equal(first?.jobs.length, 1, "routed to notify");
    assert.ok(!JSON.stringify(first).includes("s3cret"), "never a secret");

    // The carried count is in alert_state: the tick sends it once the interval has passed.
    f.clock.advance(INTERVAL);
    const flushed = f.store.flushAlerts(f.clock.now(), settings()).sent;
    assert.equal(flushed.length, 1);
    assert.equal(flushed[0]?.payload.count, 502);
    assert.deepEqual(flushed[0]?.payload.reasons, { bad_signature: 499, bad_json: 3 });
    assert.deepEqual(flushed[0]?.payload.remotes, ["127.0.0.9", "10.9.9.9"]);
    assert.equal(
      flushed[0]?.payload.title,
      "hooks /hooks/github: 502 webhook deliveries rejected (499 bad_signature, 3 bad_json)",
    );
  });

  it("coalesces per endpoint: two paths of one plugin each get their own event", () => {
    const f = fixture();
    const s = sink(f);
    refuse(s.r, endpoint("/a"), 2, "bad_signature");
    refuse(s.r, endpoint("/b"), 1, "too_large");
    s.r.flush();
    assert.deepEqual(
      s
        .sent()
        .map((e) => [e.payload.command, e.payload.count])
        .sort(),
      [
        ["/a", 1],
        ["/b", 1],
      ],
    );
    assert.equal(f.store.systemEvents("hooks", 10).length, 2);
  });

  it("after the interval the next refusal sends at once, carrying what was counted meanwhile", () => {
    const f = fixture();
    const s = sink(f);
    const ep = endpoint("/x");
    refuse(s.r, ep, 1, "bad_signature");
    f.clock.advance(2 * MIN);
    refuse(s.r, ep, 4, "stale_timestamp");
    s.r.flush();
    assert.equal(s.sent().length, 1);
    f.clock.advance(INTERVAL);
    refuse(s.r, ep, 1, "bad_signature");
    assert.equal(s.sent().length, 2, "written at once: the last write was more than a second ago");
    assert.equal(s.sent()[1]?.payload.count, 5);
    assert.deepEqual(s.sent()[1]?.payload.reasons, { stale_timestamp: 4, bad_signature: 1 });
  });

  it("a restart keeps the counts: a new sink sees the state the old one left", () => {
    const f = fixture();
    const ep = endpoint("/x");
    const old = sink(f);
    refuse(old.r, ep, 3, "bad_signature");
    old.r.flush(); // at stop
    const s = sink(f);
    f.clock.advance(INTERVAL);
    refuse(s.r, ep, 1, "bad_json");
    assert.equal(s.sent().length, 1);
    assert.equal(s.sent()[0]?.payload.count, 3, "the 2 carried and this one");
  });

  it("an endpoint whose plugin handles system events raises none about itself (no loops)", () => {
    const f = fixture();
    const s = sink(f, settings("hooks"));
    refuse(s.r, endpoint("/x"), 5, "bad_signature");
    s.r.flush();
    assert.equal(s.sent().length, 0);
    assert.deepEqual(
      s.raised.flatMap((a) => a.suppressed.map((o) => [o.type, o.plugin, o.command])),
      [
        ["postern.webhook.rejected", "hooks", "/x"],
        ["postern.webhook.rejected", "hooks", "/x"],
      ],
    );
    assert.equal(f.store.systemEvents(null, 10).length, 0);
  });
});
