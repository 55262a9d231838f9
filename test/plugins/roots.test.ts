/**
 * Search roots (SPEC §18, §4.2): plugins_dir may be a list, the bundled plugins come last, the
 * first root holding a name wins, and a world-writable root refuses every plugin in it.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { PosternError } from "../../src/core/errors.js";
import { discoverInRoots, pluginRegistry, searchRoots } from "../../src/plugins/discover.js";
import { trustRecheck } from "../../src/plugins/trust.js";
import { makePlugin, removeRoot, tempRoot } from "./helpers.js";

let root: string;
let mine: string;
let second: string;
let bundled: string;

beforeEach(() => {
  ({ root, pluginsDir: mine } = tempRoot());
  second = path.join(root, "second");
  bundled = path.join(root, "bundled");
  for (const d of [second, bundled]) {
    fs.mkdirSync(d);
    fs.chmodSync(d, 0o755);
  }
  fs.chmodSync(mine, 0o755);
});
afterEach(() => removeRoot(root));

describe("search roots", () => {
  it("uses a bundled plugin by name when no root of the operator's has it", () => {
    makePlugin(bundled, "notify");
    makePlugin(mine, "mine");
    const listings = discoverInRoots(searchRoots([mine], bundled));
    assert.deepEqual(
      listings.map((l) => [l.name, l.loaded, l.root?.key, l.plugin?.root]),
      [
        ["mine", true, "plugins_dir", mine],
        ["notify", true, "bundled", bundled],
      ],
    );
  });

  it("the operator's plugin of the same name wins and says it shadows the bundled one", () => {
    makePlugin(bundled, "notify");
    const own = makePlugin(mine, "notify");
    const [only, ...rest] = discoverInRoots(searchRoots([mine], bundled));
    assert.equal(rest.length, 0);
    assert.equal(only?.plugin?.dir, own);
    assert.equal(only?.shadowsBundled, true);
  });

  it("an operator's plugin that is refused still shadows the bundled one (never a silent swap)", () => {
    makePlugin(bundled, "notify");
    const own = makePlugin(mine, "notify");
    fs.chmodSync(path.join(own, "run.sh"), 0o644);
    const listings = discoverInRoots(searchRoots([mine], bundled));
    assert.equal(listings.length, 1);
    assert.equal(listings[0]?.loaded, false);
    assert.equal(pluginRegistry(listings).has("notify"), false);
  });

  it("takes plugins_dir as a list, searched in order: the first root holding a name wins", () => {
    const first = makePlugin(mine, "a");
    makePlugin(second, "a");
    makePlugin(second, "b");
    const roots = searchRoots([mine, second], bundled);
    assert.deepEqual(
      roots.map((r) => [r.key, r.real, r.bundled]),
      [
        ["plugins_dir.0", mine, false],
        ["plugins_dir.1", second, false],
        ["bundled", bundled, true],
      ],
    );
    const listings = discoverInRoots(roots);
    assert.deepEqual(
      listings.map((l) => [l.name, l.root?.key]),
      [
        ["a", "plugins_dir.0"],
        ["b", "plugins_dir.1"],
      ],
    );
    assert.equal(listings[0]?.plugin?.dir, first);
  });

  it("lists the bundled root once when plugins_dir already is that directory", () => {
    makePlugin(bundled, "notify");
    const roots = searchRoots([bundled], bundled);
    assert.deepEqual(
      roots.map((r) => r.key),
      ["plugins_dir"],
    );
  });

  it("a search root that does not exist is an error naming the key and the path", () => {
    const missing = path.join(root, "nope");
    assert.throws(
      () => searchRoots([mine, missing], bundled),
      (e: unknown) =>
        e instanceof PosternError &&
        e.code === "plugins_dir_missing" &&
        e.message.startsWith(`plugins_dir.1: plugins_dir ${missing} does not exist`),
    );
  });
});

describe("a world-writable search root (SPEC §4.2)", () => {
  it("refuses every plugin in it, saying why and the chmod to run", () => {
    makePlugin(mine, "a");
    makePlugin(mine, "b");
    fs.chmodSync(mine, 0o777);
    const listings = discoverInRoots(searchRoots([mine], bundled));
    assert.equal(listings.length, 2);
    for (const l of listings) {
      assert.equal(l.loaded, false);
      assert.equal(
        l.reason,
        `search root ${mine} is world-writable: whoever can write there can plant or replace a plugin (chmod o-w ${mine})`,
      );
    }
    assert.equal(pluginRegistry(listings).size, 0);
  });

  it("refuses at spawn a plugin whose root became world-writable after load", () => {
    makePlugin(mine, "a");
    const plugin = pluginRegistry(discoverInRoots(searchRoots([mine], bundled))).get("a");
    assert.ok(plugin);
    const recheck = trustRecheck(plugin);
    assert.equal(recheck(), null);
    fs.chmodSync(mine, 0o777);
    assert.match(recheck() ?? "", /search root .* is world-writable.*\(chmod o-w /);
  });

  it("does not touch the plugins of the other roots", () => {
    makePlugin(mine, "a");
    makePlugin(second, "b");
    fs.chmodSync(second, 0o777);
    const listings = discoverInRoots(searchRoots([mine, second], bundled));
    assert.deepEqual(
      listings.map((l) => [l.name, l.loaded]),
      [
        ["a", true],
        ["b", false],
      ],
    );
  });
});
