/**
 * `<key>_file` in a plugin's config (SPEC §17): read and delivered as `<key>` when the manifest
 * lists `<key>`; left alone when the manifest lists `<key>_file` itself (a path the plugin wants).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { loadConfig, withPluginSecretFiles } from "../../src/config/index.js";
import { discoverPlugins } from "../../src/plugins/index.js";
import { cliJson } from "../helpers/cli.js";
import { makePlugin, manifestText, removeRoot, tempRoot } from "../plugins/helpers.js";

describe("config: a plugin's <key>_file values", () => {
  const { root, pluginsDir } = tempRoot();
  after(() => removeRoot(root));
  makePlugin(pluginsDir, "oauth", {
    manifest: manifestText({
      name: "oauth",
      config_keys: "{ required: [client_id, client_secret], optional: [log_file, token] }",
    }),
  });
  const secret = path.join(root, "client_secret");
  fs.writeFileSync(secret, "the-client-secret\n", { mode: 0o600 });

  const load = (configLines: string[]) => {
    const file = path.join(fs.mkdtempSync(path.join(root, "case-")), "postern.yaml");
    fs.writeFileSync(
      file,
      [
        `plugins_dir: ${pluginsDir}`,
        "plugins:",
        "  oauth:",
        "    config:",
        ...configLines.map((l) => `      ${l}`),
        "",
      ].join("\n"),
    );
    const loaded = loadConfig(file, {});
    assert.ok(loaded.ok, loaded.ok ? "" : JSON.stringify(loaded.errors));
    return { file, ...withPluginSecretFiles(loaded.config, discoverPlugins(loaded.config.plugins_dir)) };
  };

  it("client_secret_file is delivered as client_secret (one trailing newline stripped); log_file stays a path", () => {
    const r = load(["client_id: abc", `client_secret_file: ${secret}`, "log_file: /var/log/oauth.log"]);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.config.plugins["oauth"]?.config, {
      client_id: "abc",
      log_file: "/var/log/oauth.log",
      client_secret: "the-client-secret",
    });
  });

  it("a key the manifest does not list is passed as written", () => {
    const r = load(["client_id: abc", "client_secret: x", "other_file: /not/read"]);
    assert.deepEqual(r.problems, []);
    assert.equal(r.config.plugins["oauth"]?.config["other_file"], "/not/read");
  });

  it("a missing file, or both forms, is a problem at the key path naming the file", () => {
    const r = load([
      "client_id: abc",
      `client_secret_file: ${path.join(root, "nope")}`,
      `token_file: ${secret}`,
      "token: t",
    ]);
    const byPath = Object.fromEntries(r.problems.map((p) => [p.path, p.message]));
    assert.match(byPath["plugins.oauth.config.client_secret_file"] ?? "", /nope does not exist/);
    assert.match(byPath["plugins.oauth.config.token_file"] ?? "", /either token or token_file, not both/);
    assert.ok(r.problems.every((p) => p.file === r.file && p.line !== null));
  });

  it("postern config check: client_secret_file satisfies the required client_secret", () => {
    const ok = load(["client_id: abc", `client_secret_file: ${secret}`]);
    const check = cliJson<{ ok: boolean; errors: unknown[] }>(["config", "check", "--config", ok.file]);
    assert.deepEqual([check.status, check.json.ok], [0, true], JSON.stringify(check.json));
    const missing = load(["client_id: abc"]);
    const bad = cliJson<{ ok: boolean; errors: { message: string }[] }>([
      "config",
      "check",
      "--config",
      missing.file,
    ]);
    assert.equal(bad.json.ok, false);
    assert.match(JSON.stringify(bad.json.errors), /missing required key \\"client_secret\\"/);
  });
});
