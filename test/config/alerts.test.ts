import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { configOf, errorsOf, problemAt, TWO_PLUGINS, yaml } from "./helpers.js";

describe("config: alerts and system-event routes (SPEC §16)", () => {
  it("defaults alerts.min_interval to 15m and reads a given one", () => {
    assert.equal(configOf(yaml(...TWO_PLUGINS)).alerts.min_interval, 15 * 60_000);
    assert.equal(
      configOf(yaml(...TWO_PLUGINS, "alerts:", "  min_interval: 1h")).alerts.min_interval,
      3_600_000,
    );
  });

  it("refuses a min_interval that is not a duration, and unknown alert keys", () => {
    const errors = errorsOf(yaml("alerts:", "  min_interval: soon", "  max: 3"));
    assert.equal(problemAt(errors, "alerts.min_interval").line, 2);
    assert.match(problemAt(errors, "alerts.max").message, /unknown key "max"/);
  });

  it("accepts a route from postern with a system event type", () => {
    const config = configOf(
      yaml(...TWO_PLUGINS, "routes:", "  - { from: postern, event_type: postern.job.dead, to: b }"),
    );
    assert.deepEqual(config.routes, [{ from: "postern", event_type: "postern.job.dead", to: "b" }]);
  });

  it("refuses a route from postern with a type that is not a system type, listing the valid ones", () => {
    const errors = errorsOf(
      yaml(...TWO_PLUGINS, "routes:", "  - { from: postern, event_type: postern.job.died, to: b }"),
    );
    assert.equal(errors.length, 1);
    const problem = problemAt(errors, "routes.0.event_type");
    assert.equal(problem.line, 5);
    assert.match(problem.message, /unknown system event type "postern\.job\.died"/);
    assert.match(problem.message, /postern\.job\.dead, postern\.circuit\.opened, /);
    assert.match(problem.message, /postern\.heartbeat\.recovered/);
  });

  it("still checks the target of a route from postern", () => {
    const errors = errorsOf(
      yaml(...TWO_PLUGINS, "routes:", "  - { from: postern, event_type: postern.job.dead, to: nobody }"),
    );
    assert.match(problemAt(errors, "routes.0.to").message, /unknown plugin "nobody"/);
  });

  it("refuses a plugin configured under the reserved name postern", () => {
    const errors = errorsOf(yaml("plugins:", "  postern: {}"));
    assert.match(problemAt(errors, "plugins.postern").message, /reserved name/);
  });

  it("reads expect: success_within / event_within in milliseconds", () => {
    const config = configOf(
      yaml(
        "plugins:",
        "  a:",
        "    expect: { success_within: 26h }",
        "  b:",
        "    expect: { event_within: 7d }",
      ),
    );
    assert.deepEqual(config.plugins["a"]?.expect, { success_within: 26 * 3_600_000, event_within: null });
    assert.deepEqual(config.plugins["b"]?.expect, { success_within: null, event_within: 7 * 86_400_000 });
    assert.equal(configOf(yaml(...TWO_PLUGINS)).plugins["a"]?.expect, null);
    const errors = errorsOf(yaml("plugins:", "  a:", "    expect: { success_in: 1h }"));
    assert.match(problemAt(errors, "plugins.a.expect.success_in").message, /unknown key/);
  });
});
