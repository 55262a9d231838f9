import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { configLine, loadConfig } from "../../src/config/index.js";
import { configOf, errorsOf, show, writeConfig, yaml } from "./helpers.js";

const SPEC_EXAMPLE = fileURLToPath(
  new URL("../../../test/fixtures/config/spec-example.yaml", import.meta.url),
);

describe("loadConfig: defaults and resolution", () => {
  it("fills every default of SPEC §3 for a minimal file", () => {
    const config = configOf(yaml("plugins:", "  withings: {}"));
    assert.deepEqual(config.service, {
      name: "postern",
      state_dir: path.join(path.dirname(config.file), "data"),
      tick_interval: 60_000,
      log_level: "info",
      timezone: "local",
      dedupe_ttl: 86_400_000,
      job_log_retention: 30 * 86_400_000,
      shutdown_grace: 10_000,
      max_route_depth: 8,
    });
    assert.equal(config.plugins_dir, path.join(path.dirname(config.file), "plugins"));
    assert.deepEqual(config.plugins["withings"], {
      enabled: true,
      schedule: null,
      config: {},
      env: {},
      retry: { max_attempts: 4, backoff_base: 30_000 },
      timeouts: { poll: 60_000, handle: 120_000, health: 10_000, init: 30_000 },
      circuit_breaker: { threshold: 3, reset_after: 1_800_000 },
      max_outstanding_polls: 1,
      expect: null,
    });
    assert.deepEqual(config.webhooks, { listen: { host: "127.0.0.1", port: 8081 }, endpoints: [] });
    assert.deepEqual(config.routes, []);
    assert.deepEqual(config.alerts, { min_interval: 15 * 60_000 });
  });

  it("accepts a file with only one block (a missing block means all defaults)", () => {
    const config = configOf(yaml("service:", "  name: home"));
    assert.equal(config.service.name, "home");
    assert.deepEqual(config.plugins, {});
  });

  it("fills schedule and endpoint defaults", () => {
    const config = configOf(
      yaml(
        "plugins:",
        "  a: { schedule: { every: 5m } }",
        "webhooks:",
        "  endpoints:",
        "    - { path: /hook/a, plugin: a, secret: s }",
      ),
    );
    assert.deepEqual(config.plugins["a"]?.schedule, {
      every: { kind: "fixed", ms: 300_000, text: "5m" },
      jitter: 0,
      preferred_window: null,
    });
    assert.deepEqual(config.webhooks.endpoints[0], {
      path: "/hook/a",
      plugin: "a",
      provider: "hmac",
      secrets: ["s"],
      signature_header: "X-Hub-Signature-256",
      tolerance: 300_000,
      max_body_size: 1_048_576,
      event_type: "webhook",
      dedupe_header: null,
    });
  });

  it("resolves relative paths against the config file's directory, not the cwd", () => {
    const file = writeConfig(yaml("service:", "  state_dir: ../state", "plugins_dir: ./my/plugins"));
    const cwd = process.cwd();
    const result = loadConfig(path.relative(cwd, file), {});
    assert.ok(result.ok, result.ok ? "" : show(result.errors));
    const dir = path.dirname(file);
    assert.equal(result.config.file, file);
    assert.equal(result.config.service.state_dir, path.resolve(dir, "../state"));
    assert.equal(result.config.plugins_dir, path.join(dir, "my", "plugins"));
  });

  it("keeps absolute paths as they are", () => {
    const config = configOf(
      yaml("service:", "  state_dir: /var/lib/postern", "plugins_dir: /opt/postern/plugins"),
    );
    assert.equal(config.service.state_dir, "/var/lib/postern");
    assert.equal(config.plugins_dir, "/opt/postern/plugins");
  });

  it("refuses a path starting with ~ (it would silently become <configdir>/~)", () => {
    const errors = errorsOf(yaml("plugins_dir: ~/plugins"));
    assert.match(errors[0]?.message ?? "", /"~" is not expanded/);
  });

  it("loads the SPEC §3 example (with its plugins configured) to the documented values", () => {
    const result = loadConfig(SPEC_EXAMPLE, {
      WITHINGS_CLIENT_ID: "id",
      WITHINGS_CLIENT_SECRET: "secret",
      GITHUB_WEBHOOK_SECRET: "gh",
    });
    assert.ok(result.ok, result.ok ? "" : show(result.errors));
    const { config } = result;
    assert.deepEqual(config.plugins["withings"]?.schedule, {
      every: { kind: "fixed", ms: 6 * 3_600_000, text: "6h" },
      jitter: 1_800_000,
      preferred_window: { start: { hour: 6, minute: 0 }, end: { hour: 22, minute: 0 } },
    });
    assert.deepEqual(config.plugins["withings"]?.config, { client_id: "id", client_secret: "secret" });
    assert.deepEqual(config.webhooks.endpoints[0]?.secrets, ["gh"]);
    assert.equal(config.webhooks.endpoints[0]?.event_type, "github.webhook");
    assert.equal(config.webhooks.endpoints[0]?.dedupe_header, "X-GitHub-Delivery");
    assert.deepEqual(
      config.routes.map((r) => r.to),
      ["health-analyzer", "notify"],
    );
  });

  it("parses every schedule form of SPEC §9", () => {
    const forms: [string, unknown][] = [
      ["5m", { kind: "fixed", ms: 300_000, text: "5m" }],
      ["15m", { kind: "fixed", ms: 900_000, text: "15m" }],
      ["30m", { kind: "fixed", ms: 1_800_000, text: "30m" }],
      ["hourly", { kind: "fixed", ms: 3_600_000, text: "hourly" }],
      ["2h", { kind: "fixed", ms: 7_200_000, text: "2h" }],
      ["daily", { kind: "fixed", ms: 86_400_000, text: "daily" }],
      ["weekly", { kind: "fixed", ms: 604_800_000, text: "weekly" }],
      ["monthly", { kind: "monthly", text: "monthly" }],
      ["1m", { kind: "fixed", ms: 60_000, text: "1m" }],
      ["1h30m", { kind: "fixed", ms: 5_400_000, text: "1h30m" }],
    ];
    for (const [every, expected] of forms) {
      const config = configOf(yaml("plugins:", `  a: { schedule: { every: ${every} } }`));
      assert.deepEqual(config.plugins["a"]?.schedule?.every, expected, every);
    }
  });

  it("accepts a window that crosses midnight and unquoted HH:MM (a string in YAML 1.2)", () => {
    const config = configOf(
      yaml(
        "plugins:",
        "  a:",
        "    schedule:",
        "      every: daily",
        "      preferred_window: { start: 22:00, end: 06:30 }",
      ),
    );
    assert.deepEqual(config.plugins["a"]?.schedule?.preferred_window, {
      start: { hour: 22, minute: 0 },
      end: { hour: 6, minute: 30 },
    });
  });

  it("parses listen addresses: IPv4, hostname, bracketed IPv6, port 0", () => {
    const cases: [string, unknown][] = [
      ["0.0.0.0:80", { host: "0.0.0.0", port: 80 }],
      ["localhost:8081", { host: "localhost", port: 8081 }],
      ['"[::1]:8081"', { host: "::1", port: 8081 }],
      ["127.0.0.1:0", { host: "127.0.0.1", port: 0 }],
    ];
    for (const [listen, expected] of cases) {
      assert.deepEqual(configOf(yaml("webhooks:", `  listen: ${listen}`)).webhooks.listen, expected, listen);
    }
  });

  it("accepts secrets (a list, for rotation) instead of secret", () => {
    const config = configOf(
      yaml(
        ...["plugins:", "  a: {}"],
        "webhooks:",
        "  endpoints:",
        "    - { path: /h, plugin: a, secrets: [new, old] }",
      ),
    );
    assert.deepEqual(config.webhooks.endpoints[0]?.secrets, ["new", "old"]);
  });

  it("keeps plugin config values as JSON (nested, null, numbers) and env as strings", () => {
    const config = configOf(
      yaml(
        "plugins:",
        "  a:",
        "    config: { n: 1.5, flag: false, none: null, list: [1, two], deep: { x: { y: z } } }",
        '    env: { API_URL: "https://example.org", RETRIES: "3" }',
      ),
    );
    assert.deepEqual(config.plugins["a"]?.config, {
      n: 1.5,
      flag: false,
      none: null,
      list: [1, "two"],
      deep: { x: { y: "z" } },
    });
    assert.deepEqual(config.plugins["a"]?.env, { API_URL: "https://example.org", RETRIES: "3" });
  });

  it("configLine maps a key path of a loaded Config to its line", () => {
    const config = configOf(yaml("service:", "  name: x", "plugins:", "  a:", "    config:", "      k: v"));
    assert.equal(configLine(config, ["plugins", "a", "config", "k"]), 6);
    assert.equal(configLine(config, ["plugins", "a", "config", "missing"]), 5, "nearest parent");
    assert.equal(
      configLine(structuredClone(config), ["service"]),
      null,
      "lines are not copied with the data",
    );
  });

  it("reports a missing file as one problem", () => {
    const file = path.join(path.dirname(writeConfig("a: 1\n")), "nope.yaml");
    const result = loadConfig(file, {});
    assert.deepEqual(result, {
      ok: false,
      errors: [{ file, path: "", line: null, message: "config file not found" }],
    });
  });

  it("reports a directory and a non-UTF-8 file", () => {
    const dir = path.dirname(writeConfig("a: 1\n"));
    const asDir = loadConfig(dir, {});
    assert.ok(!asDir.ok && /directory/.test(asDir.errors[0]?.message ?? ""));
    const latin1 = loadConfig(writeConfig(Buffer.from([0x6e, 0x3a, 0x20, 0xe9, 0x0a])), {});
    assert.ok(!latin1.ok && /UTF-8/.test(latin1.errors[0]?.message ?? ""));
  });

  it("accepts a UTF-8 byte order mark", () => {
    const file = writeConfig(
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("service: { name: bom }\n")]),
    );
    const result = loadConfig(file, {});
    assert.ok(result.ok && result.config.service.name === "bom");
  });

  it("is deterministic and does not touch the file", () => {
    const file = writeConfig(yaml("plugins:", "  a: {}"));
    const before = fs.readFileSync(file, "utf8");
    assert.deepEqual(loadConfig(file, {}), loadConfig(file, {}));
    assert.equal(fs.readFileSync(file, "utf8"), before);
  });
});
