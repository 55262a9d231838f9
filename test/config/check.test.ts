import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkAgainstPlugins } from "../../src/config/index.js";
import type { PluginCommand, PluginListing } from "../../src/plugins/types.js";
import { configOf, show, yaml } from "./helpers.js";

function loaded(
  name: string,
  commands: PluginCommand[],
  configKeys: { required?: string[]; optional?: string[] } = {},
): PluginListing {
  const dir = `/plugins/${name}`;
  return {
    name,
    dir,
    loaded: true,
    reason: null,
    version: "1.0.0",
    commands,
    plugin: {
      name,
      dir,
      entrypoint: `${dir}/run.sh`,
      root: "/plugins",
      manifest: {
        name,
        version: "1.0.0",
        protocol: 1,
        entrypoint: "run.sh",
        description: null,
        commands,
        config_keys: { required: configKeys.required ?? [], optional: configKeys.optional ?? [] },
      },
    },
  };
}

function refused(name: string, reason: string): PluginListing {
  return { name, dir: `/plugins/${name}`, loaded: false, reason, version: null, commands: [], plugin: null };
}

const ALL: PluginCommand[] = ["poll", "handle", "health", "init"];

describe("checkAgainstPlugins", () => {
  it("finds nothing wrong when every plugin matches its manifest", () => {
    const config = configOf(
      yaml(
        "plugins:",
        "  src: { schedule: { every: 1h }, config: { client_id: x } }",
        "  dst: {}",
        "webhooks:",
        "  endpoints:",
        "    - { path: /h, plugin: dst, secret: s }",
        "routes:",
        "  - { from: src, event_type: e, to: dst }",
      ),
    );
    const problems = checkAgainstPlugins(config, [
      loaded("src", ["poll"], { required: ["client_id"] }),
      loaded("dst", ["handle"]),
      loaded("unused", ALL),
    ]);
    assert.deepEqual(problems, [], show(problems));
  });

  it("reports a configured plugin without a directory", () => {
    const config = configOf(yaml("plugins:", "  ghost: {}"));
    const problems = checkAgainstPlugins(config, []);
    assert.deepEqual(problems, [
      {
        file: config.file,
        path: "plugins.ghost",
        line: 2,
        message: `no plugin directory "ghost" in ${config.plugins_dir}`,
      },
    ]);
  });

  it("reports a refused plugin with the refusal reason", () => {
    const config = configOf(yaml("plugins:", "  bad: {}"));
    const problems = checkAgainstPlugins(config, [refused("bad", "entrypoint is world-writable")]);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.path, "plugins.bad");
    assert.equal(problems[0]?.message, 'plugin "bad" was refused: entrypoint is world-writable');
  });

  it("skips disabled plugins (parked plugins may be missing or broken)", () => {
    const config = configOf(
      yaml(
        "plugins:",
        "  a: {}",
        "  off: { enabled: false, schedule: { every: 1h } }",
        "routes:",
        "  - { from: a, event_type: e, to: off }",
      ),
    );
    assert.deepEqual(checkAgainstPlugins(config, [loaded("a", ALL)]), []);
    assert.deepEqual(checkAgainstPlugins(config, [loaded("a", ALL), loaded("off", ["health"])]), []);
  });

  it("reports a route to a plugin whose manifest lacks handle", () => {
    const config = configOf(
      yaml(
        "plugins:",
        "  a: {}",
        "  b: {}",
        "routes:",
        "  - { from: a, event_type: e, to: b }",
        "  - { from: b, event_type: e, to: a }",
      ),
    );
    const problems = checkAgainstPlugins(config, [loaded("a", ["handle"]), loaded("b", ["poll"])]);
    assert.deepEqual(
      problems.map((p) => [p.path, p.line, p.message]),
      [["routes.0.to", 5, 'plugin "b" cannot receive events: its manifest has no "handle" command']],
    );
  });

  it("reports an endpoint whose plugin lacks handle", () => {
    const config = configOf(
      yaml(
        "plugins:",
        "  a: {}",
        "webhooks:",
        "  endpoints:",
        "    - path: /h",
        "      plugin: a",
        "      secret: s",
      ),
    );
    const problems = checkAgainstPlugins(config, [loaded("a", ["poll", "health"])]);
    assert.deepEqual(
      problems.map((p) => [p.path, p.line, p.message]),
      [
        [
          "webhooks.endpoints.0.plugin",
          6,
          'plugin "a" cannot receive webhooks: its manifest has no "handle" command',
        ],
      ],
    );
  });

  it("reports a schedule for a plugin whose manifest lacks poll", () => {
    const config = configOf(yaml("plugins:", "  a:", "    schedule:", "      every: 1h"));
    const problems = checkAgainstPlugins(config, [loaded("a", ["handle"])]);
    assert.deepEqual(
      problems.map((p) => [p.path, p.line]),
      [["plugins.a.schedule", 3]],
    );
    assert.match(problems[0]?.message ?? "", /has a schedule, but its manifest has no "poll" command/);
  });

  it("reports each missing required config key, naming it, at plugins.<name>.config", () => {
    const config = configOf(
      yaml("plugins:", "  a:", "    config:", "      client_id: x", "      client_secret:"),
    );
    const problems = checkAgainstPlugins(config, [
      loaded("a", ALL, { required: ["client_id", "client_secret", "region"], optional: ["token"] }),
    ]);
    assert.deepEqual(
      problems.map((p) => [p.path, p.line, p.message]),
      [
        [
          "plugins.a.config",
          3,
          'missing required key "client_secret" (the manifest of plugin "a" requires it)',
        ],
        ["plugins.a.config", 3, 'missing required key "region" (the manifest of plugin "a" requires it)'],
      ],
    );
  });

  it("points at the plugin when it has no config block at all", () => {
    const config = configOf(yaml("plugins:", "  a: {}"));
    const problems = checkAgainstPlugins(config, [loaded("a", ALL, { required: ["k"] })]);
    assert.deepEqual(
      problems.map((p) => [p.path, p.line]),
      [["plugins.a.config", 2]],
    );
  });

  it("does not report config keys the manifest does not list (no warning channel; see check.ts)", () => {
    const config = configOf(yaml("plugins:", "  a: { config: { extra: 1 } }"));
    assert.deepEqual(checkAgainstPlugins(config, [loaded("a", ALL, { optional: ["other"] })]), []);
  });

  it("does not report a missing or refused plugin again through its routes", () => {
    const config = configOf(
      yaml("plugins:", "  a: {}", "  b: {}", "routes:", "  - { from: a, event_type: e, to: b }"),
    );
    const problems = checkAgainstPlugins(config, [loaded("a", ALL)]);
    assert.deepEqual(
      problems.map((p) => p.path),
      ["plugins.b"],
    );
  });
});
