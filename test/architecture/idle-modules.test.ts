/**
 * What an idle daemon loads (issue 21 item 3, docs/performance.md): `postern start` with its plain
 * command line never loads commander; the dashboard and prom-client wait for their first request.
 * Measured on the real daemon with the module counter (test/helpers/module-count.ts).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { plainStartArgs } from "../../src/cli/command-word.js";
import { cli, tempConfig } from "../helpers/cli.js";
import { DaemonProcess } from "../helpers/daemon.js";
import { countModulesEnv } from "../helpers/module-count.js";
import { fixturePluginsDir } from "../helpers/paths.js";

const CONFIG = [
  "service: { state_dir: ./data }",
  `plugins_dir: ${fixturePluginsDir}`,
  "plugins:",
  "  ok: {}",
  "webhooks:",
  "  listen: 127.0.0.1:0",
  "  endpoints:",
  "    - { path: /hook/ok, plugin: ok, secret: a-secret-of-at-least-32-characters-xx }",
].join("\n");

function loaded(listFile: string): string[] {
  return readFileSync(listFile, "utf8").split("\n");
}

describe("modules an idle daemon loads", () => {
  it("start answers /healthz without commander, the dashboard or prom-client; they load when asked for", async () => {
    const { dir, file } = tempConfig(CONFIG);
    const list = join(dir, "modules.txt");
    const daemon = await DaemonProcess.start(file, countModulesEnv(list));
    const port = (await daemon.waitFor((l) => /^listening on http:/.test(l.message))).port as number;
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(health.status, 200);
    await health.arrayBuffer();
    const stopped = await daemon.stop();
    assert.equal(stopped.code, 0, daemon.stderr.join(""));
    const idle = loaded(list);
    assert.ok(
      idle.some((url) => url.endsWith("/dist/src/daemon/daemon.js")),
      "the counter sees the daemon",
    );
    for (const unwanted of [
      "/node_modules/commander/",
      "/dist/src/http/dashboard/handler.js",
      "/prom-client/",
    ]) {
      assert.ok(!idle.some((url) => url.includes(unwanted)), `the idle daemon loaded ${unwanted}`);
    }

    // The same daemon asked for both: they load then (the counter would see them).
    const busyList = join(dir, "modules-asked.txt");
    const again = await DaemonProcess.start(file, countModulesEnv(busyList));
    const port2 = (await again.waitFor((l) => /^listening on http:/.test(l.message))).port as number;
    for (const path of ["/metrics", "/"]) {
      const res = await fetch(`http://127.0.0.1:${port2}${path}`);
      assert.equal(res.status, 200, path);
      await res.arrayBuffer();
    }
    assert.equal((await again.stop()).code, 0, again.stderr.join(""));
    const asked = loaded(busyList);
    assert.ok(
      asked.some((url) => url.includes("/prom-client/")),
      "a scrape loads prom-client",
    );
    assert.ok(
      asked.some((url) => url.endsWith("/dist/src/http/dashboard/handler.js")),
      "the dashboard loads on its first request",
    );
  });

  it("a start command line that is not a plain one still goes through commander, with its messages", () => {
    const help = cli(["start", "--help"]);
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^Usage: postern start \[options\]/);
    const extra = cli(["start", "surplus"]);
    assert.equal(extra.status, 2);
    assert.match(extra.stderr, /too many arguments|unknown command|excess/i);
    const bad = cli(["start", "--log-format", "xml", "-c", "/nonexistent/postern.yaml"]);
    assert.equal(bad.status, 2, "the plain path keeps the usage exit code");
    assert.match(bad.stderr, /^postern: --log-format must be json or pretty, not "xml"/);
  });
});

describe("plainStartArgs", () => {
  const argv = (...a: string[]) => ["node", "postern", ...a];
  it("reads the daemon's plain forms; the last value given wins", () => {
    assert.deepEqual(plainStartArgs(argv("start")), { logFormat: "json" });
    assert.deepEqual(plainStartArgs(argv("-c", "a.yaml", "start")), { config: "a.yaml", logFormat: "json" });
    assert.deepEqual(plainStartArgs(argv("start", "--config", "start")), {
      config: "start",
      logFormat: "json",
    });
    assert.deepEqual(
      plainStartArgs(argv("--config=x.yaml", "start", "--log-format=pretty", "-c", "y.yaml")),
      {
        config: "y.yaml",
        logFormat: "pretty",
      },
    );
  });
  it("leaves everything else to commander", () => {
    for (const args of [
      [],
      ["status"],
      ["start", "--help"],
      ["start", "-h"],
      ["start", "extra"],
      ["start", "start"],
      ["--log-format", "json", "start"],
      ["start", "--config"],
      ["start", "--config", "--log-format"],
      ["start", "--config="],
      ["start", "--", "x"],
      ["start", "--unknown"],
      ["-cfile.yaml", "start"],
    ]) {
      assert.equal(plainStartArgs(argv(...args)), null, args.join(" "));
    }
  });
});
