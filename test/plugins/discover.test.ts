import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { PosternError } from "../../src/core/errors.js";
import { discoverPlugins, pluginRegistry } from "../../src/plugins/discover.js";
import { makePlugin, manifestText, removeRoot, tempRoot } from "./helpers.js";

let root: string;
let pluginsDir: string;

beforeEach(() => {
  ({ root, pluginsDir } = tempRoot());
});
afterEach(() => removeRoot(root));

describe("discoverPlugins", () => {
  it("loads a good plugin with real paths and its manifest", () => {
    const dir = makePlugin(pluginsDir, "foo");
    const [listing, ...rest] = discoverPlugins(pluginsDir);
    assert.equal(rest.length, 0);
    assert.deepEqual(listing, {
      name: "foo",
      dir,
      loaded: true,
      reason: null,
      version: "1.0.0",
      commands: ["poll", "health"],
      plugin: {
        name: "foo",
        dir,
        entrypoint: path.join(dir, "run.sh"),
        root: pluginsDir,
        manifest: {
          name: "foo",
          version: "1.0.0",
          protocol: 1,
          entrypoint: "run.sh",
          description: null,
          commands: ["poll", "health"],
          config_keys: { required: [], optional: [] },
        },
      },
    });
  });

  it("accepts a relative plugins_dir", () => {
    makePlugin(pluginsDir, "foo");
    const rel = path.relative(process.cwd(), pluginsDir);
    assert.equal(discoverPlugins(rel)[0]?.loaded, true);
  });

  it("refuses a directory without manifest.yaml", () => {
    makePlugin(pluginsDir, "foo", { manifest: null });
    const [l] = discoverPlugins(pluginsDir);
    assert.equal(l?.loaded, false);
    assert.equal(l?.reason, "no manifest.yaml (add one, or move this directory out of plugins_dir)");
    assert.equal(l?.version, null);
    assert.deepEqual(l?.commands, []);
  });

  it("refuses a name that differs from the directory name", () => {
    makePlugin(pluginsDir, "foo", { manifest: manifestText({ name: "bar" }) });
    assert.equal(
      discoverPlugins(pluginsDir)[0]?.reason,
      'manifest.yaml:1: name: "bar" does not match the directory name "foo" (rename one so they match)',
    );
  });

  it("refuses protocol 2", () => {
    makePlugin(pluginsDir, "foo", { manifest: manifestText({ protocol: "2" }) });
    assert.equal(
      discoverPlugins(pluginsDir)[0]?.reason,
      "protocol 2 is not supported (this core speaks protocol 1)",
    );
  });

  it("refuses an invalid YAML manifest", () => {
    makePlugin(pluginsDir, "foo", { manifest: "name: foo\ncommands: [poll\n" });
    const [l] = discoverPlugins(pluginsDir);
    assert.equal(l?.loaded, false);
    assert.match(l?.reason ?? "", /^manifest\.yaml:\d+: /);
  });

  it("keeps version and commands of a plugin refused by a trust check", () => {
    const dir = makePlugin(pluginsDir, "foo");
    fs.chmodSync(path.join(dir, "run.sh"), 0o600);
    const [l] = discoverPlugins(pluginsDir);
    assert.equal(l?.loaded, false);
    assert.equal(l?.version, "1.0.0");
    assert.deepEqual(l?.commands, ["poll", "health"]);
  });

  it("refuses a manifest.yaml that is not a regular file", () => {
    const dir = makePlugin(pluginsDir, "foo", { manifest: null });
    fs.mkdirSync(path.join(dir, "manifest.yaml"));
    assert.equal(discoverPlugins(pluginsDir)[0]?.reason, "manifest.yaml is not a regular file");
  });

  it("ignores regular files and hidden entries, and sorts by name", () => {
    for (const name of ["zeta", "alpha", "mid-1", "mid.0"]) makePlugin(pluginsDir, name);
    fs.writeFileSync(path.join(pluginsDir, "README.md"), "not a plugin\n");
    fs.symlinkSync("README.md", path.join(pluginsDir, "readme-link"));
    fs.mkdirSync(path.join(pluginsDir, ".git"));
    makePlugin(pluginsDir, ".hidden");
    assert.deepEqual(
      discoverPlugins(pluginsDir).map((l) => [l.name, l.loaded]),
      [
        ["alpha", true],
        ["mid-1", true],
        ["mid.0", true],
        ["zeta", true],
      ],
    );
  });

  it("lists a dangling symlink as refused", () => {
    fs.symlinkSync(path.join(root, "gone"), path.join(pluginsDir, "foo"));
    const [l] = discoverPlugins(pluginsDir);
    assert.equal(l?.name, "foo");
    assert.equal(l?.loaded, false);
    assert.match(l?.reason ?? "", /does not exist/);
  });

  it("returns an empty list for an empty plugins_dir", () => {
    assert.deepEqual(discoverPlugins(pluginsDir), []);
  });

  it("throws plugins_dir_missing when plugins_dir does not exist", () => {
    const missing = path.join(root, "nope");
    assert.throws(
      () => discoverPlugins(missing),
      (e: unknown) =>
        e instanceof PosternError &&
        e.code === "plugins_dir_missing" &&
        e.message.includes(missing) &&
        /create it/.test(e.message),
    );
  });

  it("throws when plugins_dir is a file", () => {
    const file = path.join(root, "file");
    fs.writeFileSync(file, "");
    assert.throws(
      () => discoverPlugins(file),
      (e: unknown) => e instanceof PosternError,
    );
  });
});

describe("pluginRegistry", () => {
  it("holds only loaded plugins, by name", () => {
    makePlugin(pluginsDir, "good");
    makePlugin(pluginsDir, "bad", { manifest: null });
    const registry = pluginRegistry(discoverPlugins(pluginsDir));
    assert.deepEqual([...registry.keys()], ["good"]);
    assert.equal(registry.get("good")?.manifest.name, "good");
  });
});

describe("discoverPlugins: the reserved name", () => {
  it("refuses a plugin directory named postern, saying why", () => {
    makePlugin(pluginsDir, "postern");
    makePlugin(pluginsDir, "foo");
    const listings = discoverPlugins(pluginsDir);
    const reserved = listings.find((l) => l.name === "postern");
    assert.equal(reserved?.loaded, false);
    assert.match(reserved?.reason ?? "", /"postern" is a reserved name \(the source of system events\)/);
    assert.deepEqual([...pluginRegistry(listings).keys()], ["foo"]);
  });
});
