import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { discoverPlugins } from "../../src/plugins/discover.js";
import { checkEntrypoint, checkPluginDir, isInside } from "../../src/plugins/trust.js";
import { GOOD_SCRIPT, makePlugin, manifestText, removeRoot, tempRoot } from "./helpers.js";

let root: string;
let pluginsDir: string;

beforeEach(() => {
  ({ root, pluginsDir } = tempRoot());
});
afterEach(() => removeRoot(root));

function refusal(name: string, entrypoint = "run.sh"): string {
  const r = checkEntrypoint(pluginsDir, path.join(pluginsDir, name), entrypoint);
  assert.equal(r.ok, false, "expected a refusal");
  return r.ok ? "" : r.reason;
}

/** Discovery must agree with the direct check: a refused plugin is listed, not loaded. */
function assertRefusedByDiscovery(name: string, reason: string): void {
  const listing = discoverPlugins(pluginsDir).find((l) => l.name === name);
  assert.ok(listing, `${name} should be listed`);
  assert.equal(listing.loaded, false);
  assert.equal(listing.plugin, null);
  assert.equal(listing.reason, reason);
}

describe("checkEntrypoint", () => {
  it("accepts a good plugin and returns the real entrypoint", () => {
    const dir = makePlugin(pluginsDir, "foo");
    assert.deepEqual(checkEntrypoint(pluginsDir, dir, "run.sh"), {
      ok: true,
      entrypointReal: path.join(dir, "run.sh"),
    });
  });

  it("refuses a missing entrypoint", () => {
    makePlugin(pluginsDir, "foo", { script: false });
    const reason = refusal("foo");
    assert.equal(
      reason,
      `entrypoint run.sh not found in ${path.join(pluginsDir, "foo")} (create it or fix "entrypoint" in manifest.yaml)`,
    );
    assertRefusedByDiscovery("foo", reason);
  });

  it("refuses an entrypoint without any execute bit, even for root", () => {
    const dir = makePlugin(pluginsDir, "foo");
    fs.chmodSync(path.join(dir, "run.sh"), 0o644);
    const reason = refusal("foo");
    assert.equal(reason, `entrypoint run.sh is not executable (chmod +x ${path.join(dir, "run.sh")})`);
    assertRefusedByDiscovery("foo", reason);
  });

  it("accepts an entrypoint executable by its owner only", () => {
    const dir = makePlugin(pluginsDir, "foo");
    fs.chmodSync(path.join(dir, "run.sh"), 0o700);
    assert.ok(checkEntrypoint(pluginsDir, dir, "run.sh").ok);
  });

  it("refuses an entrypoint that is a directory", () => {
    const dir = makePlugin(pluginsDir, "foo", { script: false });
    fs.mkdirSync(path.join(dir, "run.sh"), { mode: 0o755 });
    const reason = refusal("foo");
    assert.equal(reason, "entrypoint run.sh is a directory; it must be an executable file");
    assertRefusedByDiscovery("foo", reason);
  });

  it("refuses an absolute entrypoint", () => {
    const dir = makePlugin(pluginsDir, "foo");
    const abs = path.join(dir, "run.sh");
    const reason = refusal("foo", abs);
    assert.equal(
      reason,
      `entrypoint ${abs} is absolute; give a path relative to the plugin directory (e.g. run.py)`,
    );
    fs.writeFileSync(path.join(dir, "manifest.yaml"), manifestText({ entrypoint: abs }));
    assertRefusedByDiscovery("foo", reason);
  });

  it('refuses an entrypoint with a ".." segment, even one that stays inside', () => {
    const dir = makePlugin(pluginsDir, "foo");
    assert.equal(
      refusal("foo", "../foo/run.sh"),
      'entrypoint ../foo/run.sh contains ".."; it must live inside the plugin directory',
    );
    assert.match(refusal("foo", "bin/../run.sh"), /contains "\.\."/);
    fs.writeFileSync(path.join(dir, "manifest.yaml"), manifestText({ entrypoint: "../foo/run.sh" }));
    assertRefusedByDiscovery("foo", refusal("foo", "../foo/run.sh"));
  });

  it("allows names that merely start with two dots", () => {
    makePlugin(pluginsDir, "foo", { entrypoint: "..run.sh" });
    assert.ok(checkEntrypoint(pluginsDir, path.join(pluginsDir, "foo"), "..run.sh").ok);
  });

  it("refuses a symlinked entrypoint pointing outside plugins_dir", () => {
    const outside = path.join(root, "evil.sh");
    fs.writeFileSync(outside, GOOD_SCRIPT, { mode: 0o755 });
    const dir = makePlugin(pluginsDir, "foo", { script: false });
    fs.symlinkSync(outside, path.join(dir, "run.sh"));
    const reason = refusal("foo");
    assert.equal(
      reason,
      `entrypoint run.sh resolves to ${outside}, outside plugins_dir ${pluginsDir} (copy the file into the plugin directory instead of symlinking to it)`,
    );
    assertRefusedByDiscovery("foo", reason);
  });

  it("refuses a dangling entrypoint symlink", () => {
    const dir = makePlugin(pluginsDir, "foo", { script: false });
    fs.symlinkSync(path.join(root, "gone.sh"), path.join(dir, "run.sh"));
    assert.equal(refusal("foo"), "entrypoint run.sh is a symlink whose target does not exist");
  });

  it("refuses a symlinked plugin directory pointing outside plugins_dir", () => {
    const elsewhere = path.join(root, "elsewhere");
    fs.mkdirSync(elsewhere);
    const real = makePlugin(elsewhere, "foo");
    fs.symlinkSync(real, path.join(pluginsDir, "foo"));
    const reason = refusal("foo");
    assert.equal(
      reason,
      `plugin directory resolves to ${real}, outside plugins_dir ${pluginsDir} (move the plugin into plugins_dir instead of symlinking to it)`,
    );
    assertRefusedByDiscovery("foo", reason);
  });

  it("refuses a plugin directory that resolves to plugins_dir itself", () => {
    fs.symlinkSync(".", path.join(pluginsDir, "foo"));
    assert.match(refusal("foo"), /outside plugins_dir/);
  });

  it("allows symlinks that stay inside plugins_dir", () => {
    const shared = path.join(pluginsDir, "shared");
    fs.mkdirSync(shared);
    fs.writeFileSync(path.join(shared, "run.sh"), GOOD_SCRIPT, { mode: 0o755 });
    const dir = makePlugin(pluginsDir, "foo", { script: false });
    fs.symlinkSync("../shared/run.sh", path.join(dir, "run.sh"));
    makePlugin(pluginsDir, "real-bar", { manifest: manifestText({ name: "bar" }) });
    fs.symlinkSync("real-bar", path.join(pluginsDir, "bar"));

    assert.deepEqual(checkEntrypoint(pluginsDir, dir, "run.sh"), {
      ok: true,
      entrypointReal: path.join(shared, "run.sh"),
    });
    const bar = discoverPlugins(pluginsDir).find((l) => l.name === "bar");
    assert.equal(bar?.loaded, true);
    assert.equal(bar?.plugin?.dir, path.join(pluginsDir, "real-bar"));
    assert.equal(bar?.plugin?.entrypoint, path.join(pluginsDir, "real-bar", "run.sh"));
  });

  it("refuses a world-writable plugin directory", () => {
    const dir = makePlugin(pluginsDir, "foo");
    fs.chmodSync(dir, 0o777);
    const reason = refusal("foo");
    assert.equal(reason, `plugin directory is world-writable (chmod o-w ${dir})`);
    assertRefusedByDiscovery("foo", reason);
  });

  it("refuses a world-writable entrypoint", () => {
    const dir = makePlugin(pluginsDir, "foo");
    fs.chmodSync(path.join(dir, "run.sh"), 0o777);
    const reason = refusal("foo");
    assert.equal(reason, `entrypoint run.sh is world-writable (chmod o-w ${path.join(dir, "run.sh")})`);
    assertRefusedByDiscovery("foo", reason);
  });

  it("refuses a world-writable directory between the plugin directory and its entrypoint", () => {
    const dir = makePlugin(pluginsDir, "foo", { entrypoint: "bin/run.sh" });
    assert.ok(checkEntrypoint(pluginsDir, dir, "bin/run.sh").ok);
    fs.chmodSync(path.join(dir, "bin"), 0o777);
    assert.match(
      refusal("foo", "bin/run.sh"),
      /^directory .*\/foo\/bin holding the entrypoint is world-writable/,
    );
  });

  it("quotes paths with spaces in the suggested command", () => {
    const dir = makePlugin(pluginsDir, "foo", { entrypoint: "my run.sh" });
    fs.chmodSync(path.join(dir, "my run.sh"), 0o644);
    assert.equal(
      refusal("foo", "my run.sh"),
      `entrypoint my run.sh is not executable (chmod +x '${path.join(dir, "my run.sh")}')`,
    );
  });

  it("notices an entrypoint swapped after load (the runner re-checks at spawn)", () => {
    const dir = makePlugin(pluginsDir, "foo");
    assert.ok(checkEntrypoint(pluginsDir, dir, "run.sh").ok);
    const outside = path.join(root, "evil.sh");
    fs.writeFileSync(outside, GOOD_SCRIPT, { mode: 0o755 });
    fs.rmSync(path.join(dir, "run.sh"));
    fs.symlinkSync(outside, path.join(dir, "run.sh"));
    assert.match(refusal("foo"), /outside plugins_dir/);
  });
});

describe("checkPluginDir / isInside", () => {
  it("reports a missing plugin directory", () => {
    const r = checkPluginDir(pluginsDir, path.join(pluginsDir, "nope"));
    assert.equal(r.ok, false);
  });

  it("treats only strict descendants as inside", () => {
    assert.equal(isInside("/a/b", "/a/b/c"), true);
    assert.equal(isInside("/a/b", "/a/b/..c"), true);
    assert.equal(isInside("/a/b", "/a/b"), false);
    assert.equal(isInside("/a/b", "/a/bc"), false);
    assert.equal(isInside("/a/b", "/a"), false);
  });
});
