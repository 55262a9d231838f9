/** The foundation commands driven through the real CLI: config check, plugins, exec. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cli, cliJson, tempConfig } from "../helpers/cli.js";
import { fixturePluginsDir, repoRoot } from "../helpers/paths.js";

const example = `${repoRoot}examples/postern.yaml`;

function fixtureConfig(extra = ""): string {
  return tempConfig(
    `plugins_dir: ${fixturePluginsDir}\nservice: { state_dir: ./data }\nplugins:\n  ok: {}\n  exit-78: {}\n${extra}`,
  ).file;
}

describe("postern config check", () => {
  it("accepts the bundled example", () => {
    const r = cli(["config", "check", "--config", example]);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /ok/);
  });

  it("reports every problem at once with file, key path and line, exit 1", () => {
    const { file } = tempConfig(
      [
        "service:",
        "  tick_interval: 5 minutes",
        "  colour: blue",
        "plugins_dir: ./plugins",
        "plugins:",
        "  echo:",
        "    enabled: no",
        "routes:",
        "  - { from: echo, event_type: x, to: nowhere }",
        "",
      ].join("\n"),
    );
    const r = cliJson<{
      ok: boolean;
      errors: { file: string; path: string; line: number | null; message: string }[];
    }>(["config", "check", "--config", file]);
    assert.equal(r.status, 1);
    assert.equal(r.json.ok, false);
    const byPath = new Map(r.json.errors.map((e) => [e.path, e]));
    assert.equal(byPath.get("service.tick_interval")?.line, 2);
    assert.equal(byPath.get("service.colour")?.line, 3);
    assert.equal(byPath.get("plugins.echo.enabled")?.line, 7);
    assert.match(byPath.get("routes.0.to")?.message ?? "", /nowhere/);
    for (const e of r.json.errors) assert.equal(e.file, file);
    const human = cli(["config", "check", "--config", file]);
    assert.equal(human.status, 1);
    assert.match(human.stdout, /postern\.yaml:2: service\.tick_interval: /);
  });

  it("checks plugins too: a missing required config key is a problem", () => {
    const { file } = tempConfig(
      `plugins_dir: ${repoRoot}test/fixtures/plugins\nplugins:\n  not-executable: {}\n`,
    );
    const r = cliJson<{ ok: boolean; errors: { path: string; message: string }[] }>([
      "config",
      "check",
      "--config",
      file,
    ]);
    assert.equal(r.status, 1);
    assert.match(JSON.stringify(r.json.errors), /not executable/);
  });

  it("finds the config from $POSTERN_CONFIG, and says so when there is none", () => {
    assert.equal(cli(["config", "check"], { env: { POSTERN_CONFIG: example } }).status, 0);
    const none = cli(["config", "check"], { cwd: tempConfig("").dir, env: { POSTERN_CONFIG: "" } });
    assert.equal(none.status, 1);
  });
});

describe("postern plugins", () => {
  it("--json lists every directory with exactly the §13.1 fields", () => {
    const r = cliJson<Record<string, unknown>[]>(["plugins", "--config", fixtureConfig()]);
    assert.equal(r.status, 0, r.stderr);
    const ok = r.json.find((p) => p.name === "ok");
    // §13.1's fields, plus where the plugin was found (SPEC §18: more fields may be added).
    assert.deepEqual(Object.keys(ok ?? {}).sort(), [
      "commands",
      "healthy",
      "loaded",
      "name",
      "reason",
      "root",
      "root_key",
      "shadows_bundled",
      "version",
    ]);
    assert.equal(ok?.loaded, true);
    assert.equal(ok?.reason, null);
    const refused = r.json.find((p) => p.name === "not-executable");
    assert.equal(refused?.loaded, false);
    assert.match(String(refused?.reason), /not executable/);
    assert.match(
      String(r.json.find((p) => p.name === "missing-entrypoint")?.reason),
      /does not exist|missing|not found/,
    );
  });

  it("prints an aligned table for people", () => {
    const r = cli(["plugins", "--config", fixtureConfig()]);
    assert.equal(r.status, 0);
    const lines = r.stdout.trimEnd().split("\n");
    assert.match(lines[0] ?? "", /^NAME\s+STATUS\s+VERSION\s+COMMANDS\s+REASON$/);
    assert.ok(lines.some((l) => /^not-executable\s+refused\s+/.test(l)));
  });
});

describe("postern exec", () => {
  it("runs a plugin once and shows request, response and outcome; exit 0 on success", () => {
    const r = cliJson<{
      request: { command: string; config: unknown; state: unknown };
      response: { status: string };
      outcome: Record<string, unknown>;
      stderr: string;
    }>(["exec", "ok", "poll", "--config", fixtureConfig()]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.json.request.command, "poll");
    assert.deepEqual(r.json.request.state, {});
    assert.equal(r.json.response.status, "ok");
    assert.deepEqual(
      Object.keys(r.json.outcome).sort(),
      ["duration_ms", "error", "exit_code", "retryable", "signal", "status", "timed_out"].sort(),
    );
    assert.equal(r.json.outcome.status, "succeeded");
  });

  it("passes an --event to handle", () => {
    const r = cliJson<{ request: { event: { type: string; payload: unknown; source: string } } }>([
      "exec",
      "ok",
      "handle",
      "--event",
      '{"type":"ping","payload":{"n":1}}',
      "--config",
      fixtureConfig(),
    ]);
    assert.equal(r.status, 0);
    assert.equal(r.json.request.event.type, "ping");
    assert.deepEqual(r.json.request.event.payload, { n: 1 });
    assert.equal(r.json.request.event.source, "cli");
  });

  it("exit 1 with the classified outcome when the attempt fails", () => {
    const r = cliJson<{ outcome: { status: string; retryable: boolean; exit_code: number } }>([
      "exec",
      "exit-78",
      "poll",
      "--config",
      fixtureConfig(),
    ]);
    assert.equal(r.status, 1);
    assert.deepEqual(
      [r.json.outcome.status, r.json.outcome.retryable, r.json.outcome.exit_code],
      ["failed", false, 78],
    );
  });

  it("usage errors exit 2: unknown command, handle without --event, bad --event JSON", () => {
    const config = fixtureConfig();
    assert.equal(cli(["exec", "ok", "dance", "--config", config]).status, 2);
    assert.equal(cli(["exec", "ok", "handle", "--config", config]).status, 2);
    const bad = cli(["exec", "ok", "handle", "--event", "{nope", "--config", config]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--event is not valid JSON/);
    assert.equal(cli(["no-such-command"]).status, 2);
  });

  it("refuses a plugin that is not loaded, with the reason and no stack trace", () => {
    const r = cli(["exec", "not-executable", "poll", "--config", fixtureConfig()]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /not loaded: .*not executable/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
});

describe("postern plugins health", () => {
  it("runs the plugin's health command on demand: exit 0 healthy, 1 with the error", () => {
    const config = fixtureConfig();
    const good = cliJson<{ status: string; error: string | null }>([
      "plugins",
      "health",
      "ok",
      "--config",
      config,
    ]);
    assert.equal(good.status, 0);
    assert.deepEqual([good.json.status, good.json.error], ["ok", null]);
    const bad = cli(["plugins", "health", "exit-78", "--config", config]);
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /exit-78: UNHEALTHY: missing api key/);
    const refused = cli(["plugins", "health", "not-executable", "--config", config]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /not loaded/);
  });
});
