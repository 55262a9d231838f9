import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { pluginsJson, pluginsTable } from "../../src/cli/format/plugins.js";
import { formatTable } from "../../src/cli/table.js";
import { discoverPlugins } from "../../src/plugins/discover.js";
import { makePlugin, manifestText, removeRoot, tempRoot } from "../plugins/helpers.js";

let root: string;
let pluginsDir: string;

beforeEach(() => {
  ({ root, pluginsDir } = tempRoot());
  makePlugin(pluginsDir, "withings", {
    manifest: manifestText({ name: "withings", commands: "[poll, handle, health, init]", version: "2.1.0" }),
  });
  makePlugin(pluginsDir, "notify", { manifest: manifestText({ name: "notify", commands: "[handle]" }) });
  const broken = makePlugin(pluginsDir, "broken", { manifest: manifestText({ name: "broken" }) });
  fs.chmodSync(path.join(broken, "run.sh"), 0o644);
  makePlugin(pluginsDir, "empty", { manifest: null });
});
afterEach(() => removeRoot(root));

describe("pluginsJson", () => {
  it("has exactly the SPEC §13.1 shape for loaded and refused plugins", () => {
    const json = pluginsJson(discoverPlugins(pluginsDir));
    for (const entry of json)
      assert.deepEqual(Object.keys(entry), ["name", "loaded", "reason", "version", "commands", "healthy"]);
    assert.deepEqual(JSON.parse(JSON.stringify(json)), [
      {
        name: "broken",
        loaded: false,
        reason: `entrypoint run.sh is not executable (chmod +x ${path.join(pluginsDir, "broken", "run.sh")})`,
        version: "1.0.0",
        commands: ["poll", "health"],
        healthy: null,
      },
      {
        name: "empty",
        loaded: false,
        reason: "no manifest.yaml (add one, or move this directory out of plugins_dir)",
        version: null,
        commands: [],
        healthy: null,
      },
      { name: "notify", loaded: true, reason: null, version: "1.0.0", commands: ["handle"], healthy: true },
      {
        name: "withings",
        loaded: true,
        reason: null,
        version: "2.1.0",
        commands: ["poll", "handle", "health", "init"],
        healthy: null,
      },
    ]);
  });

  it("uses known health for loaded plugins only", () => {
    const known = new Map<string, boolean | null>([
      ["withings", false],
      ["notify", false],
      ["broken", true],
    ]);
    const healthy = Object.fromEntries(
      pluginsJson(discoverPlugins(pluginsDir), known).map((p) => [p.name, p.healthy]),
    );
    assert.deepEqual(healthy, { broken: null, empty: null, notify: false, withings: false });
  });
});

describe("pluginsTable", () => {
  it("aligns every column and leaves no trailing spaces", () => {
    const table = pluginsTable(discoverPlugins(pluginsDir));
    const lines = table.split("\n");
    assert.deepEqual(
      lines.map((l) => l.replace(/chmod \+x .*\)$/, "chmod +x …)")),
      [
        "NAME      STATUS   VERSION  COMMANDS                 REASON",
        "broken    refused  1.0.0    poll,health              entrypoint run.sh is not executable (chmod +x …)",
        "empty     refused  -        -                        no manifest.yaml (add one, or move this directory out of plugins_dir)",
        "notify    loaded   1.0.0    handle",
        "withings  loaded   2.1.0    poll,handle,health,init",
      ],
    );
  });

  it("prints only the header when there are no plugins", () => {
    assert.equal(pluginsTable([]), "NAME  STATUS  VERSION  COMMANDS  REASON");
  });
});

describe("formatTable", () => {
  it("pads columns to the widest cell and trims line ends", () => {
    assert.equal(
      formatTable(["A", "LONGER", "C"], [["xyz", "1", ""], ["", "", "end"], ["q"]]),
      ["A    LONGER  C", "xyz  1", "             end", "q"].join("\n"),
    );
  });

  it("keeps a cell on one line and counts code points", () => {
    assert.equal(
      formatTable(
        ["N", "X"],
        [
          ["a\nb", "1"],
          ["😀", "2"],
        ],
      ),
      ["N    X", "a b  1", "😀    2"].join("\n"),
    );
  });
});
