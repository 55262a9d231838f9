/** findStateDir: the state directory of a config file that may not validate (SPEC §13 reads). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findStateDir } from "../../src/config/find-state-dir.js";
import { tempConfig } from "../helpers/cli.js";

describe("findStateDir", () => {
  it("takes service.state_dir from a file that fails validation, against the file's directory", () => {
    const { dir, file } = tempConfig(
      "service: { state_dir: ./st8 }\nplugins:\n  a: { schedule: { every: often } }\n",
    );
    assert.deepEqual(findStateDir(file, {}), { ok: true, stateDir: `${dir}/st8` });
  });

  it("resolves a VAR reference in it, and refuses when that variable is unset", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a config-file ${VAR}, not a JS template
    const { file } = tempConfig('service:\n  state_dir: "${POSTERN_SD}/x"\n');
    assert.deepEqual(findStateDir(file, { POSTERN_SD: "/var/lib/p" }), {
      ok: true,
      stateDir: "/var/lib/p/x",
    });
    const missing = findStateDir(file, {});
    assert.equal(missing.ok, false);
    assert.match(missing.ok ? "" : missing.reason, /POSTERN_SD is not set/);
  });

  it("finds the key in a document broken by a tab, and defaults to ./data without it", () => {
    const { dir, file } = tempConfig("service:\n  state_dir: /srv/pstate\nplugins:\n\tok: {}\n");
    assert.deepEqual(findStateDir(file, {}), { ok: true, stateDir: "/srv/pstate" });
    const plain = tempConfig("plugins: {}\n");
    assert.deepEqual(findStateDir(plain.file, {}), { ok: true, stateDir: `${plain.dir}/data` });
    assert.ok(dir);
  });

  it("refuses when the file cannot be read", () => {
    const r = findStateDir("/nonexistent/postern.yaml", {});
    assert.equal(r.ok, false);
  });
});
