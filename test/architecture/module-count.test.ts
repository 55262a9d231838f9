/**
 * What a command costs to load follows the layout: a read command must not drag in the daemon
 * and its services. Measured on the real CLI with a module counter (test/helpers/module-count.ts).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { cli, tempConfig } from "../helpers/cli.js";
import { DaemonProcess } from "../helpers/daemon.js";
import { countModulesEnv } from "../helpers/module-count.js";
import { fixturePluginsDir } from "../helpers/paths.js";

function projectModules(listFile: string): string[] {
  return readFileSync(listFile, "utf8")
    .split("\n")
    .filter((url) => url.includes("/dist/src/"));
}

describe("modules loaded per command", () => {
  it("postern status loads fewer of Postern's modules than postern start", async (t) => {
    const { dir, file } = tempConfig(
      [
        "service: { state_dir: ./data }",
        `plugins_dir: ${fixturePluginsDir}`,
        "plugins:",
        "  ok: {}",
        "webhooks: { listen: 127.0.0.1:0 }",
      ].join("\n"),
    );
    const startList = join(dir, "start-modules.txt");
    const daemon = await DaemonProcess.start(file, countModulesEnv(startList));
    const stopped = await daemon.stop();
    assert.equal(stopped.code, 0, daemon.stderr.join(""));

    const statusList = join(dir, "status-modules.txt");
    const status = cli(["status", "--no-health", "-c", file], { env: countModulesEnv(statusList) });
    assert.equal(status.status, 1, status.stderr); // not running: exit 1, as documented

    const start = projectModules(startList);
    const read = projectModules(statusList);
    t.diagnostic(`postern start loaded ${start.length} of Postern's modules; postern status ${read.length}`);
    assert.ok(
      start.some((url) => url.endsWith("/daemon/daemon.js")),
      "the counter sees the daemon",
    );
    assert.ok(
      !read.some((url) => url.includes("/dist/src/daemon/")),
      `status loaded the daemon:\n${read.join("\n")}`,
    );
    assert.ok(read.length < start.length, `status ${read.length} ≥ start ${start.length}`);
  });
});
