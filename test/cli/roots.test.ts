/** `postern plugins` and `config check` over several search roots, through the real CLI. */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { cli, cliJson } from "../helpers/cli.js";
import { repoRoot } from "../helpers/paths.js";
import { makePlugin, removeRoot, tempRoot } from "../plugins/helpers.js";

const { root, pluginsDir } = tempRoot();
fs.chmodSync(pluginsDir, 0o755);
after(() => removeRoot(root));

function writeConfig(text: string): string {
  const file = path.join(root, "postern.yaml");
  fs.writeFileSync(file, text);
  return file;
}

describe("search roots through the CLI", () => {
  it("postern plugins shows each plugin's root and that the operator's notify shadows the bundled one", () => {
    makePlugin(pluginsDir, "notify");
    const config = writeConfig("plugins_dir: ./plugins\nservice: { state_dir: ./data }\n");
    const table = cli(["plugins", "-c", config]);
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /^notify\s+loaded\s+.*shadows the bundled one$/m);
    assert.match(table.stdout, new RegExp(`^\\s+plugins_dir\\s+${pluginsDir}: notify$`, "m"));
    assert.match(
      table.stdout,
      new RegExp(`^\\s+bundled\\s+${path.join(repoRoot, "plugins")}: .*\\bfeed\\b`, "m"),
    );
    const json = cliJson<{ name: string; root: string; root_key: string; shadows_bundled: boolean }[]>([
      "plugins",
      "-c",
      config,
    ]);
    const notify = json.json.find((p) => p.name === "notify");
    assert.deepEqual(
      [notify?.root, notify?.root_key, notify?.shadows_bundled],
      [pluginsDir, "plugins_dir", true],
    );
    const feed = json.json.find((p) => p.name === "feed");
    assert.deepEqual([feed?.root_key, feed?.shadows_bundled], ["bundled", false]);
  });

  it("config check names the key and the path of a search root that does not exist", () => {
    const config = writeConfig(
      "plugins_dir:\n  - ./plugins\n  - ./missing\nservice: { state_dir: ./data }\n",
    );
    const r = cliJson<{ ok: boolean; errors: { path: string; line: number | null; message: string }[] }>([
      "config",
      "check",
      "-c",
      config,
    ]);
    assert.equal(r.status, 1);
    assert.equal(r.json.errors.length, 1);
    assert.equal(r.json.errors[0]?.path, "plugins_dir.1");
    assert.equal(r.json.errors[0]?.line, 3);
    assert.match(r.json.errors[0]?.message ?? "", new RegExp(`${path.join(root, "missing")} does not exist`));
  });

  it("config check refuses a configured plugin in a world-writable root with the chmod to run", () => {
    const config = writeConfig(
      "plugins_dir: ./plugins\nservice: { state_dir: ./data }\nplugins:\n  notify:\n    config: {}\n",
    );
    fs.chmodSync(pluginsDir, 0o777);
    try {
      const r = cli(["config", "check", "-c", config]);
      assert.equal(r.status, 1);
      assert.match(
        r.stdout,
        new RegExp(
          `plugins\\.notify: .*search root ${pluginsDir} is world-writable.*\\(chmod o-w ${pluginsDir}\\)`,
        ),
      );
    } finally {
      fs.chmodSync(pluginsDir, 0o755);
    }
  });
});
