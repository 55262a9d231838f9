/**
 * One state word for a plugin, in one order, for `postern status`, `postern why`, the plugin list
 * and the plugin page (they used to disagree on a disabled plugin without a directory).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pluginState } from "../../src/status/model.js";

const base = { loaded: true, enabled: true, healthy: true, paused: null };
const pausedAll = { all: true, commands: [], since: "2026-01-01T00:00:00.000Z" };

describe("pluginState", () => {
  it("says refused first, then disabled, paused, unhealthy, init pending, ok", () => {
    assert.equal(
      pluginState({ loaded: false, enabled: false, healthy: false, paused: pausedAll }),
      "refused",
    );
    assert.equal(pluginState({ ...base, enabled: false, healthy: false, paused: pausedAll }), "disabled");
    assert.equal(pluginState({ ...base, healthy: false, paused: pausedAll }), "paused");
    assert.equal(pluginState({ ...base, healthy: false }), "unhealthy");
    assert.equal(pluginState({ ...base, healthy: null }), "init pending");
    assert.equal(pluginState(base), "ok");
  });

  it("a pause of some commands only leaves the plugin's state as it is", () => {
    const some = { all: false, commands: ["poll"], since: "2026-01-01T00:00:00.000Z" };
    assert.equal(pluginState({ ...base, paused: some }), "ok");
  });
});
