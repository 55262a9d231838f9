import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Metrics } from "../../src/http/metrics.js";
import { fixture, idGen } from "../store/helpers.js";

describe("/metrics: system events, scheduler skips, heartbeats (SPEC §16)", () => {
  it("counts events by type, skips by plugin and reason, and shows a missed heartbeat", async () => {
    const f = fixture();
    const alerts = {
      routes: [],
      enabledPlugins: new Set<string>(),
      maxAttemptsFor: () => 1,
      maxRouteDepth: 8,
      newId: idGen(),
      minIntervalMs: 60_000,
    };
    const dead = (id: string) => ({
      type: "postern.job.dead" as const,
      plugin: "feed",
      command: "poll",
      at: f.clock.now(),
      job: { id, route_depth: 0 },
      reason: "x",
    });
    f.store.raiseSystemEvents([dead("j1")], alerts);
    f.clock.advance(60_000);
    f.store.raiseSystemEvents([dead("j2")], alerts);
    f.store.recordWhy("feed", "window", "next run 09:00 (window)");
    f.store.recordWhy("feed", "window", "next run 09:00 (window)");
    f.store.recordWhy("feed", "circuit_open", "circuit open until 10:00");
    f.store.checkHeartbeat("feed", "success", 1000, f.clock.now(), alerts);
    f.store.checkHeartbeat("feed", "success", 1000, f.clock.now() + 1000, alerts);

    const text = await new Metrics(f.store, f.clock).render((e) => assert.fail(String(e)));
    assert.match(text, /^postern_system_events_total\{type="postern.job.dead"\} 2$/m);
    assert.match(text, /^postern_system_events_total\{type="postern.heartbeat.missed"\} 1$/m);
    assert.match(text, /^postern_scheduler_skips_total\{plugin="feed",reason="window"\} 2$/m);
    assert.match(text, /^postern_scheduler_skips_total\{plugin="feed",reason="circuit_open"\} 1$/m);
    assert.match(text, /^postern_heartbeat_missed\{plugin="feed",kind="success"\} 1$/m);
  });
});
