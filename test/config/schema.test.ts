import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { configFileSchema, configJsonSchema, DEFAULTS } from "../../src/config/index.js";
import { formatDuration } from "../../src/core/units.js";

type Json = Record<string, unknown>;
const obj = (value: unknown): Json => value as Json;

describe("configFileSchema", () => {
  it("parses an empty document to all defaults", () => {
    const parsed = configFileSchema.parse({});
    assert.equal(parsed.service.tick_interval, 60_000);
    assert.equal(parsed.service.state_dir, DEFAULTS.service.state_dir);
    assert.deepEqual(parsed.webhooks.listen, { host: "127.0.0.1", port: 8081 });
  });

  it("property: every accepts any duration >= 1m as a fixed interval and refuses shorter ones", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 * 86_400_000 }), (ms) => {
        const text = formatDuration(ms);
        const result = configFileSchema.safeParse({ plugins: { p: { schedule: { every: text } } } });
        if (ms >= 60_000) {
          assert.ok(result.success, text);
          assert.deepEqual(result.data.plugins["p"]?.schedule?.every, { kind: "fixed", ms, text });
        } else {
          assert.ok(!result.success, text);
        }
      }),
    );
  });
});

describe("configJsonSchema", () => {
  const schema = configJsonSchema();
  const props = obj(schema["properties"]);

  it("is plain JSON (round-trips through JSON.stringify)", () => {
    assert.deepEqual(JSON.parse(JSON.stringify(schema)), schema);
    assert.equal(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
  });

  it("is strict: unknown keys are not allowed at the top, in service and in a plugin", () => {
    assert.equal(schema["additionalProperties"], false);
    assert.equal(obj(props["service"])["additionalProperties"], false);
    const plugin = obj(obj(props["plugins"])["additionalProperties"]);
    assert.equal(plugin["additionalProperties"], false);
  });

  it("shows defaults in the file's own notation (strings for durations and sizes)", () => {
    const service = obj(obj(props["service"])["properties"]);
    assert.equal(obj(service["tick_interval"])["default"], "60s");
    assert.equal(obj(service["tick_interval"])["type"], "string");
    assert.equal(obj(service["job_log_retention"])["default"], "30d");
    assert.equal(obj(service["max_route_depth"])["default"], 8);
    const webhooks = obj(obj(props["webhooks"])["properties"]);
    assert.equal(obj(webhooks["listen"])["default"], "127.0.0.1:8081");
    const endpoint = obj(obj(obj(webhooks["endpoints"])["items"])["properties"]);
    assert.equal(obj(endpoint["max_body_size"])["default"], "1MB");
    assert.equal(obj(endpoint["signature_header"])["default"], "X-Hub-Signature-256");
  });

  it("marks required keys", () => {
    const webhooks = obj(obj(props["webhooks"])["properties"]);
    const endpoint = obj(obj(webhooks["endpoints"])["items"]);
    assert.deepEqual(endpoint["required"], ["path", "plugin"]);
    const route = obj(obj(props["routes"])["items"]);
    assert.deepEqual(route["required"], ["from", "event_type", "to"]);
  });
});
