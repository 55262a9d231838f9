import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { matchRoutes } from "../../src/core/routing.js";

const routes = [
  { from: "a", event_type: "x", to: "b" },
  { from: "a", event_type: "y", to: "c" },
  { from: "a", event_type: "x", to: "d" },
  { from: "z", event_type: "x", to: "e" },
  { from: "a", event_type: "x", to: "b" },
];

describe("matchRoutes (SPEC §8)", () => {
  it("fans out to every matching route in config order, duplicates included", () => {
    assert.deepEqual(matchRoutes(routes, "a", "x"), ["b", "d", "b"]);
  });
  it("matches from and event_type exactly: no prefixes, no case folding, no wildcards", () => {
    assert.deepEqual(matchRoutes(routes, "a", "X"), []);
    assert.deepEqual(matchRoutes(routes, "a", "x.sub"), []);
    assert.deepEqual(matchRoutes(routes, "A", "x"), []);
    assert.deepEqual(matchRoutes([{ from: "a", event_type: "*", to: "b" }], "a", "x"), []);
  });
  it("returns nothing for an event no route mentions", () => {
    assert.deepEqual(matchRoutes(routes, "a", "none"), []);
    assert.deepEqual(matchRoutes([], "a", "x"), []);
  });
});
