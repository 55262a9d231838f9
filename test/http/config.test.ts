// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} in plain strings is the config syntax under test.
/** An endpoint secret that is empty or missing is a config error, never a runtime 500 (SPEC §3). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cliJson, tempConfig } from "../helpers/cli.js";
import { fixturePluginsDir } from "../helpers/paths.js";

interface Check {
  ok: boolean;
  errors: { path: string; message: string; line: number | null }[];
}

function check(endpoint: string) {
  const { file } = tempConfig(
    [
      `plugins_dir: ${fixturePluginsDir}`,
      "plugins:",
      "  ok: {}",
      "webhooks:",
      "  endpoints:",
      `    - ${endpoint}`,
    ].join("\n"),
  );
  return cliJson<Check>(["config", "check", "--config", file], { env: { EMPTY: "" } });
}

describe("postern config check: webhook secrets", () => {
  for (const [name, endpoint, path, message] of [
    ["missing secret", "{ path: /h, plugin: ok }", "webhooks.endpoints.0", /missing secret/],
    [
      "empty secret",
      '{ path: /h, plugin: ok, secret: "" }',
      "webhooks.endpoints.0.secret",
      /non-empty secret/,
    ],
    [
      "secret empty in the environment",
      '{ path: /h, plugin: ok, secret: "${EMPTY}" }',
      "webhooks.endpoints.0.secret",
      /non-empty secret/,
    ],
    [
      "empty secrets list",
      "{ path: /h, plugin: ok, secrets: [] }",
      "webhooks.endpoints.0.secrets",
      /non-empty list/,
    ],
    [
      "empty entry in secrets",
      '{ path: /h, plugin: ok, secrets: [a, ""] }',
      "webhooks.endpoints.0.secrets.1",
      /non-empty secret/,
    ],
  ] as const) {
    it(`${name}: an error naming its key`, () => {
      const r = check(endpoint);
      assert.equal(r.status, 1);
      assert.equal(r.json.ok, false);
      const error = r.json.errors.find((e) => e.path === path);
      assert.ok(error, `no error at ${path}: ${JSON.stringify(r.json.errors)}`);
      assert.match(error.message, message);
    });
  }

  it("a valid endpoint passes", () => {
    const r = check("{ path: /h, plugin: ok, secrets: [new, old], dedupe_header: X-GitHub-Delivery }");
    assert.equal(r.status, 0, JSON.stringify(r.json));
    assert.equal(r.json.ok, true);
  });
});
