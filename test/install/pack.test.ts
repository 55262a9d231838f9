/**
 * Packaging hygiene (SPEC §18): `npm pack` never ships runtime data. The package's own `files`
 * rules are applied to a scratch copy of the tree with a database, its WAL, a lock, a log and a
 * state directory planted where a quick start or a plugin would leave them, and to the checkout
 * as it is.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { repoRoot } from "../helpers/paths.js";

const RUNTIME = /(^|\/)data\/|\.db(-wal|-shm|-journal)?$|\.lock$|\.log$|\.pid$/;

function packedPaths(dir: string): string[] {
  // --ignore-scripts: `prepare` would build; only the file list is wanted.
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: dir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  const [pack] = JSON.parse(out) as [{ files: { path: string }[] }];
  return pack.files.map((f) => f.path);
}

describe("npm pack", () => {
  const scratch = mkdtempSync(join(tmpdir(), "postern-pack-"));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it("ships no state directory, database, WAL, lock or log even when the tree holds them", () => {
    cpSync(join(repoRoot, "package.json"), join(scratch, "package.json"));
    const keep = [
      "bin/postern",
      "dist/src/cli/main.js",
      "examples/postern.yaml",
      "plugins/notify/manifest.yaml",
      "plugins/notify/run.mjs",
      "schemas/config.schema.json",
    ];
    const planted = [
      "examples/data/postern.db",
      "examples/data/postern.db-wal",
      "examples/data/postern.db-shm",
      "examples/data/postern.lock",
      "examples/data/notifications.log",
      "examples/state/postern.db",
      "examples/notes.log",
      "plugins/notify/data/out.txt",
      "plugins/notify/notifications.log",
      "plugins/feed/cache.db",
      "dist/src/postern.lock",
    ];
    for (const rel of [...keep, ...planted]) {
      mkdirSync(dirname(join(scratch, rel)), { recursive: true });
      writeFileSync(join(scratch, rel), "x\n");
    }
    const paths = packedPaths(scratch);
    for (const rel of keep)
      assert.ok(paths.includes(rel), `${rel} should be packed; got ${paths.join(", ")}`);
    for (const rel of planted) assert.ok(!paths.includes(rel), `${rel} must not be packed`);
  });

  it("the checkout's own tarball lists no runtime data and ships the bundled plugins and SDK", () => {
    const paths = packedPaths(repoRoot);
    assert.deepEqual(
      paths.filter((p) => RUNTIME.test(p)),
      [],
    );
    for (const rel of ["bin/postern", "plugins/notify/manifest.yaml", "src/sdk/python/postern_plugin.py"])
      assert.ok(paths.includes(rel), `${rel} should be packed`);
  });
});
