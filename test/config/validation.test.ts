// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} in plain strings is the config syntax under test.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { configOf, errorsOf, problemAt, show, TWO_PLUGINS, yaml } from "./helpers.js";

/** The single problem of a file; fails (listing them) if there is not exactly one. */
function onlyProblem(text: string) {
  const errors = errorsOf(text);
  assert.equal(errors.length, 1, show(errors));
  return errors[0] as NonNullable<(typeof errors)[0]>;
}

describe("loadConfig: strict keys", () => {
  it("reports an unknown key with its path, line and a suggestion", () => {
    const problem = onlyProblem(yaml("service:", "  name: x", "  tick: 60s"));
    assert.deepEqual([problem.path, problem.line], ["service.tick", 3]);
    assert.equal(problem.message, 'unknown key "tick"; did you mean "tick_interval"?');
  });

  it("lists the allowed keys when nothing is close", () => {
    const problem = onlyProblem(yaml("plugins:", "  a:", "    circuit_breaker: { zzz: 1 }"));
    assert.equal(problem.path, "plugins.a.circuit_breaker.zzz");
    assert.equal(problem.line, 3);
    assert.equal(problem.message, 'unknown key "zzz"; expected one of: threshold, reset_after');
  });

  it("reports unknown keys at every level, in arrays too", () => {
    const errors = errorsOf(
      yaml(
        "colour: blue",
        "plugins:",
        "  a: {}",
        "  b:",
        "    extra: 1",
        "webhooks:",
        "  endpoints:",
        "    - { path: /x, plugin: a, secret: s, method: POST }",
        "routes:",
        "  - { from: a, event_type: e, to: b, filter: x }",
      ),
    );
    assert.deepEqual(
      errors.map((e) => [e.path, e.line]),
      [
        ["colour", 1],
        ["plugins.b.extra", 5],
        ["webhooks.endpoints.0.method", 8],
        ["routes.0.filter", 10],
      ],
    );
  });

  it("refuses a plugin name that is not a safe directory name", () => {
    const errors = errorsOf(yaml("plugins:", "  ../evil: {}", "  .hidden: {}"));
    assert.equal(problemAt(errors, "plugins.../evil").line, 2);
    assert.match(problemAt(errors, "plugins..hidden").message, /expected a plugin name/);
  });

  it("explains an empty block", () => {
    const problem = onlyProblem(yaml("plugins:", "  a:"));
    assert.deepEqual([problem.path, problem.line], ["plugins.a", 2]);
    assert.equal(problem.message, "expected a mapping; got null (an empty value)");
  });

  it("reports a missing required key at the nearest existing line", () => {
    const problem = onlyProblem(
      yaml(...TWO_PLUGINS, "webhooks:", "  endpoints:", "    - secret: s", "      plugin: a"),
    );
    assert.deepEqual(
      [problem.path, problem.line, problem.message],
      ["webhooks.endpoints.0.path", 6, 'missing required key (expected a path starting with "/")'],
    );
  });
});

describe("loadConfig: values", () => {
  it("refuses bad durations, saying what is expected and what it got", () => {
    const problem = onlyProblem(yaml("service:", "  tick_interval: 5 minutes"));
    assert.deepEqual([problem.path, problem.line], ["service.tick_interval", 2]);
    assert.equal(problem.message, 'expected a duration like 30s, 5m, 1h30m; got "5 minutes"');
  });

  it("refuses a number where a duration is expected", () => {
    const problem = onlyProblem(yaml("plugins:", "  a: { timeouts: { poll: 60 } }"));
    assert.equal(problem.path, "plugins.a.timeouts.poll");
    assert.equal(problem.message, "expected a duration like 30s, 5m, 1h30m; got 60");
  });

  it("refuses durations out of range (zero timeouts, timers past 24 days, tick below 1s)", () => {
    const errors = errorsOf(
      yaml("service:", "  tick_interval: 500ms", "plugins:", "  a: { timeouts: { poll: 0s, handle: 30d } }"),
    );
    assert.equal(
      problemAt(errors, "service.tick_interval").message,
      'expected a duration of at least 1s; got "500ms"',
    );
    assert.equal(
      problemAt(errors, "plugins.a.timeouts.poll").message,
      'expected a duration greater than 0; got "0s"',
    );
    assert.equal(
      problemAt(errors, "plugins.a.timeouts.handle").message,
      'expected a duration of at most 24d; got "30d"',
    );
  });

  it("refuses bad sizes", () => {
    const errors = errorsOf(
      yaml(
        ...TWO_PLUGINS,
        "webhooks:",
        "  endpoints:",
        "    - { path: /a, plugin: a, secret: s, max_body_size: 1 MB }",
        "    - { path: /b, plugin: a, secret: s, max_body_size: 1mb }",
        "    - { path: /c, plugin: a, secret: s, max_body_size: 0B }",
      ),
    );
    assert.equal(
      problemAt(errors, "webhooks.endpoints.0.max_body_size").message,
      'expected a size like 512B, 64KB, 1MB; got "1 MB"',
    );
    assert.equal(problemAt(errors, "webhooks.endpoints.1.max_body_size").line, 7);
    assert.match(problemAt(errors, "webhooks.endpoints.2.max_body_size").message, /at least 1B/);
  });

  it("refuses every below 1m and unknown words", () => {
    for (const every of ["30s", "59s", "500ms", "fortnightly", "0m"]) {
      const problem = onlyProblem(yaml("plugins:", `  a: { schedule: { every: ${every} } }`));
      assert.equal(problem.path, "plugins.a.schedule.every", every);
      assert.equal(
        problem.message,
        `expected hourly, daily, weekly, monthly or a duration of at least 1m (like 5m, 6h); got "${every}"`,
      );
    }
  });

  it("requires every in a schedule", () => {
    const problem = onlyProblem(yaml("plugins:", "  a: { schedule: { jitter: 5m } }"));
    assert.equal(problem.path, "plugins.a.schedule.every");
    assert.match(problem.message, /^missing required key \(expected hourly, daily/);
  });

  it("refuses window times that are not HH:MM (24 h)", () => {
    for (const time of ['"25:00"', '"6:00"', '"06:60"', '"0600"', '"24:00"', "600"]) {
      const problem = onlyProblem(
        yaml(
          "plugins:",
          "  a:",
          "    schedule:",
          "      every: 1h",
          `      preferred_window: { start: ${time}, end: "22:00" }`,
        ),
      );
      assert.equal(problem.path, "plugins.a.schedule.preferred_window.start", time);
      assert.equal(problem.line, 5);
      assert.match(problem.message, /^expected a time "HH:MM" \(24 h, 00:00 to 23:59\); got /);
    }
  });

  it("refuses a window whose start equals its end", () => {
    const problem = onlyProblem(
      yaml(
        "plugins:",
        "  a:",
        "    schedule:",
        "      every: 1h",
        '      preferred_window: { start: "06:00", end: "06:00" }',
      ),
    );
    assert.deepEqual([problem.path, problem.line], ["plugins.a.schedule.preferred_window", 5]);
    assert.match(problem.message, /start and end must differ/);
  });

  it("refuses an invalid timezone and accepts local and IANA names", () => {
    const problem = onlyProblem(yaml("service:", "  timezone: Mars/Olympus_Mons"));
    assert.equal(problem.path, "service.timezone");
    assert.equal(
      problem.message,
      'expected "local" or an IANA time zone like Europe/Oslo; got "Mars/Olympus_Mons"',
    );
    for (const zone of ["local", "UTC", "Europe/Oslo", "America/New_York"]) {
      assert.equal(configOf(yaml("service:", `  timezone: ${zone}`)).service.timezone, zone);
    }
  });

  it("refuses an unknown log level", () => {
    const problem = onlyProblem(yaml("service:", "  log_level: verbose"));
    assert.equal(problem.message, 'expected one of "debug", "info", "warn", "error"; got "verbose"');
  });

  it("refuses integers out of range and fractions", () => {
    const errors = errorsOf(
      yaml(
        "service: { max_route_depth: 0 }",
        "plugins:",
        "  a: { retry: { max_attempts: 1.5 }, max_outstanding_polls: 0, circuit_breaker: { threshold: '3' } }",
      ),
    );
    assert.equal(problemAt(errors, "service.max_route_depth").message, "expected a number >= 1; got 0");
    assert.equal(problemAt(errors, "plugins.a.retry.max_attempts").message, "expected an integer; got 1.5");
    assert.equal(
      problemAt(errors, "plugins.a.max_outstanding_polls").message,
      "expected a number >= 1; got 0",
    );
    assert.equal(
      problemAt(errors, "plugins.a.circuit_breaker.threshold").message,
      'expected a number; got "3"',
    );
  });

  it("refuses invalid listen addresses", () => {
    for (const listen of [
      "8081",
      "127.0.0.1",
      "127.0.0.1:65536",
      "999.1.1.1:80",
      '"::1:8081"',
      '"[::g]:80"',
      "host name:80",
    ]) {
      const problem = onlyProblem(yaml("webhooks:", `  listen: ${listen}`));
      assert.equal(problem.path, "webhooks.listen", listen);
      assert.match(problem.message, /^expected host:port like 127\.0\.0\.1:8081/);
    }
  });

  it("refuses bad env names, POSTERN_* overrides and non-string env values", () => {
    const errors = errorsOf(yaml("plugins:", "  a:", "    env: { 1BAD: x, POSTERN_PLUGIN: x, PORT: 8080 }"));
    assert.match(problemAt(errors, "plugins.a.env.1BAD").message, /environment variable name/);
    assert.match(problemAt(errors, "plugins.a.env.POSTERN_PLUGIN").message, /set by the core/);
    assert.equal(
      problemAt(errors, "plugins.a.env.PORT").message,
      "expected a string (quote numbers and booleans); got 8080",
    );
  });

  it("refuses a plugin config that is not a mapping", () => {
    const problem = onlyProblem(yaml("plugins:", "  a: { config: [1, 2] }"));
    assert.deepEqual([problem.path, problem.message], ["plugins.a.config", "expected a mapping; got a list"]);
  });
});

describe("loadConfig: webhook endpoints", () => {
  const endpoint = (fields: string) =>
    yaml(...TWO_PLUGINS, "webhooks:", "  endpoints:", `    - { ${fields} }`);

  it("refuses an endpoint without a secret", () => {
    const problem = onlyProblem(endpoint("path: /hook/a, plugin: a"));
    assert.deepEqual([problem.path, problem.line], ["webhooks.endpoints.0", 6]);
    assert.match(problem.message, /missing secret/);
  });

  it("refuses an empty secret, an empty-valued secret, and an empty secrets list or entry", () => {
    assert.equal(
      onlyProblem(endpoint('path: /a, plugin: a, secret: ""')).message,
      "expected a non-empty secret; got an empty string",
    );
    assert.equal(onlyProblem(endpoint("path: /a, plugin: a, secret: ")).path, "webhooks.endpoints.0.secret");
    assert.equal(
      onlyProblem(endpoint("path: /a, plugin: a, secrets: []")).message,
      "expected a non-empty list of secrets; got an empty list",
    );
    assert.equal(
      onlyProblem(endpoint('path: /a, plugin: a, secrets: [ok, ""]')).path,
      "webhooks.endpoints.0.secrets.1",
    );
  });

  it("refuses a secret that interpolates to an empty string", () => {
    const errors = errorsOf(endpoint('path: /a, plugin: a, secret: "${SECRET:-}"'));
    assert.equal(
      problemAt(errors, "webhooks.endpoints.0.secret").message,
      "expected a non-empty secret; got an empty string",
    );
  });

  it("never echoes a secret of the wrong type", () => {
    const problem = onlyProblem(endpoint("path: /a, plugin: a, secret: 8412937"));
    assert.equal(problem.message, "expected a non-empty secret (a string); got a number");
  });

  it("refuses both secret and secrets", () => {
    const problem = onlyProblem(endpoint("path: /a, plugin: a, secret: x, secrets: [y]"));
    assert.deepEqual(
      [problem.path, problem.message],
      ["webhooks.endpoints.0.secrets", "give either `secret` or `secrets`, not both"],
    );
  });

  it("refuses reserved and malformed paths", () => {
    for (const path of ["/", "/healthz", "/metrics"]) {
      assert.match(onlyProblem(endpoint(`path: ${path}, plugin: a, secret: s`)).message, /is reserved/, path);
    }
    for (const path of ["hook", '"/a b"', '"/a?x=1"', "''"]) {
      const problem = onlyProblem(endpoint(`path: ${path}, plugin: a, secret: s`));
      assert.equal(problem.path, "webhooks.endpoints.0.path", path);
    }
  });

  it("refuses an invalid header name", () => {
    const problem = onlyProblem(endpoint('path: /a, plugin: a, secret: s, signature_header: "X Sig"'));
    assert.equal(problem.path, "webhooks.endpoints.0.signature_header");
  });

  it("refuses duplicate webhook paths", () => {
    const errors = errorsOf(
      yaml(
        ...TWO_PLUGINS,
        "webhooks:",
        "  endpoints:",
        "    - { path: /hook, plugin: a, secret: s }",
        "    - { path: /other, plugin: a, secret: s }",
        "    - { path: /hook, plugin: b, secret: s }",
      ),
    );
    assert.equal(errors.length, 1, show(errors));
    assert.deepEqual([errors[0]?.path, errors[0]?.line], ["webhooks.endpoints.2.path", 8]);
    assert.equal(errors[0]?.message, 'duplicate webhook path "/hook" (also webhooks.endpoints.0.path)');
  });

  it("refuses an endpoint naming an unknown plugin", () => {
    const problem = onlyProblem(endpoint("path: /a, plugin: ghost, secret: s"));
    assert.deepEqual([problem.path, problem.line], ["webhooks.endpoints.0.plugin", 6]);
    assert.equal(problem.message, 'unknown plugin "ghost": it is not configured under plugins');
  });
});

describe("loadConfig: routes and cross-field rules", () => {
  it("refuses a route naming an unknown plugin, on either side", () => {
    const errors = errorsOf(
      yaml(
        ...TWO_PLUGINS,
        "routes:",
        "  - { from: a, event_type: e, to: b }",
        "  - { from: x, event_type: e, to: y }",
      ),
    );
    assert.deepEqual(
      errors.map((e) => [e.path, e.line, e.message]),
      [
        ["routes.1.from", 6, 'unknown plugin "x": it is not configured under plugins'],
        ["routes.1.to", 6, 'unknown plugin "y": it is not configured under plugins'],
      ],
    );
  });

  it("accepts a route to a disabled plugin (events are dropped at run time)", () => {
    configOf(
      yaml(
        "plugins:",
        "  a: {}",
        "  b: { enabled: false }",
        "routes:",
        "  - { from: a, event_type: e, to: b }",
      ),
    );
  });

  it("refuses an exact duplicate route (it would create every job twice)", () => {
    const problem = onlyProblem(
      yaml(
        ...TWO_PLUGINS,
        "routes:",
        "  - { from: a, event_type: e, to: b }",
        "  - { from: a, event_type: e, to: b }",
      ),
    );
    assert.deepEqual(
      [problem.path, problem.line, problem.message],
      ["routes.1", 6, "duplicate route (same as routes.0)"],
    );
  });

  it("refuses an empty event type", () => {
    const problem = onlyProblem(yaml(...TWO_PLUGINS, "routes:", '  - { from: a, event_type: "", to: b }'));
    assert.equal(problem.path, "routes.0.event_type");
  });

  it("refuses job_log_retention shorter than dedupe_ttl", () => {
    const problem = onlyProblem(yaml("service:", "  dedupe_ttl: 7d", "  job_log_retention: 3d"));
    assert.deepEqual([problem.path, problem.line], ["service.job_log_retention", 3]);
    assert.equal(
      problem.message,
      "job_log_retention (3d) must be at least dedupe_ttl (7d): dedupe needs the job history it keeps",
    );
  });

  it("compares with the default when only dedupe_ttl is written", () => {
    const problem = onlyProblem(yaml("service:", "  dedupe_ttl: 60d"));
    assert.deepEqual([problem.path, problem.line], ["service.dedupe_ttl", 2]);
    assert.match(problem.message, /job_log_retention \(30d\) must be at least dedupe_ttl \(60d\)/);
  });

  it("accepts equal retention and dedupe_ttl", () => {
    configOf(yaml("service: { dedupe_ttl: 2d, job_log_retention: 48h }"));
  });
});

describe("loadConfig: all problems in one run", () => {
  it("reports YAML, interpolation, schema and cross-field problems together, in line order", () => {
    const errors = errorsOf(
      yaml(
        "service:",
        "  name: x",
        "  name: y",
        "  dedupe_ttl: 10d",
        "  job_log_retention: 1d",
        "  timezone: Nowhere/City",
        "plugins:",
        "  a:",
        "    enabled: no",
        "    schedule: { every: 30s, jitter: soon }",
        "    config: { token: '${TOKEN}' }",
        "webhooks:",
        "  endpoints:",
        "    - { path: /metrics, plugin: ghost }",
        "routes:",
        "  - { from: a, event_type: e, to: nobody }",
        "unknown: 1",
      ),
    );
    assert.deepEqual(
      errors.map((e) => [e.line, e.path]),
      [
        [3, "service.name"],
        [5, "service.job_log_retention"],
        [6, "service.timezone"],
        [9, "plugins.a.enabled"],
        [10, "plugins.a.schedule.every"],
        [10, "plugins.a.schedule.jitter"],
        [11, "plugins.a.config.token"],
        [14, "webhooks.endpoints.0.path"],
        [14, "webhooks.endpoints.0"],
        [14, "webhooks.endpoints.0.plugin"],
        [16, "routes.0.to"],
        [17, "unknown"],
      ],
    );
    assert.ok(errors.every((e) => e.file === errors[0]?.file && e.file !== null));
  });
});
