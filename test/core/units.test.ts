import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatDuration, parseDuration, parseSize } from "../../src/core/units.js";

describe("durations and sizes (SPEC §3)", () => {
  it("parses every documented form", () => {
    assert.equal(parseDuration("500ms"), 500);
    assert.equal(parseDuration("30s"), 30_000);
    assert.equal(parseDuration("5m"), 300_000);
    assert.equal(parseDuration("2h"), 7_200_000);
    assert.equal(parseDuration("1d"), 86_400_000);
    assert.equal(parseDuration("1w"), 604_800_000);
    assert.equal(parseDuration("1h30m"), 5_400_000);
    assert.equal(parseSize("512B"), 512);
    assert.equal(parseSize("64KB"), 65_536);
    assert.equal(parseSize("1MB"), 1_048_576);
  });
  it("refuses what is not a duration or size", () => {
    for (const bad of ["", "5", "5 m", "5min", "-5m", "1.5h", "m", "5M", "1h 30m", "99999999999999999999d"]) {
      assert.equal(parseDuration(bad), null, bad);
    }
    for (const bad of ["", "1", "1mb", "1 MB", "1.5MB", "-1KB", "1TB"])
      assert.equal(parseSize(bad), null, bad);
  });
  it("formats durations for people", () => {
    assert.equal(formatDuration(500), "500ms");
    assert.equal(formatDuration(90_000), "1m30s");
    assert.equal(formatDuration(60_000), "1m");
  });
});
