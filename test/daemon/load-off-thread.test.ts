/**
 * A reload loads the config on a worker thread (issue 22, item 7), so the listener keeps
 * answering while a large config parses (timings: bench/reload-healthz.mjs). What comes back
 * must be what loadRuntime gives on the main thread: the same Runtime, or the same refusal.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { PosternError } from "../../src/core/errors.js";
import { loadRuntime, loadRuntimeOffThread } from "../../src/daemon/runtime.js";
import { fixturePluginsDir } from "../helpers/paths.js";

function configFile(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), "postern-offthread-"));
  const file = join(dir, "postern.yaml");
  writeFileSync(file, `service: { state_dir: ./data }\nplugins_dir: ${fixturePluginsDir}\n${body}`);
  return file;
}

describe("loadRuntimeOffThread", () => {
  it("gives the Runtime loadRuntime gives, interpolation included", async () => {
    const file = configFile(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own ${VAR}, for interpolation
      "plugins:\n  ok:\n    config: { token: '${TOKEN}', n: 3 }\n  scripted:\n    enabled: false\n",
    );
    const env = { TOKEN: "from the env" };
    const off = await loadRuntimeOffThread(file, env);
    assert.deepEqual(off, loadRuntime(file, env));
    assert.equal(off.config.plugins.ok?.config.token, "from the env");
    assert.ok(off.registry.get("ok")?.manifest, "the registry is a Map of loaded plugins");
    assert.deepEqual([...off.enabledPlugins], ["ok"]);
  });

  it("rejects with loadRuntime's PosternError: code, message and problems with their lines", async () => {
    const file = configFile("plugins:\n  ok:\n    enabled: maybe\n  ok: {}\nroutes: []\n");
    let expected: PosternError | undefined;
    try {
      loadRuntime(file, {});
    } catch (e) {
      expected = e as PosternError;
    }
    assert.ok(expected instanceof PosternError);
    await assert.rejects(loadRuntimeOffThread(file, {}), (e: unknown) => {
      assert.ok(e instanceof PosternError);
      assert.equal(e.code, expected?.code);
      assert.equal(e.message, expected?.message);
      assert.deepEqual(e.problems, expected?.problems);
      assert.ok(e.problems.some((p) => p.line === 6 && /duplicate key "ok"/.test(p.message)));
      return true;
    });
  });

  it("a missing config file is a refusal, not a crashed thread", async () => {
    await assert.rejects(
      loadRuntimeOffThread(join(tmpdir(), "no-such-dir-postern", "postern.yaml"), {}),
      (e: unknown) => {
        assert.ok(e instanceof PosternError);
        assert.match(e.problems[0]?.message ?? e.message, /config file not found/);
        return true;
      },
    );
  });
});
