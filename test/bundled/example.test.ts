/**
 * examples/postern.yaml as shipped: it validates, every plugin loads, and through the REAL
 * daemon a feed entry, a url-watch change and a signed GitHub webhook each end up as a line in
 * notify's file. It runs on a copy in a temp directory, so nothing is written into the repo.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { cli, cliJson } from "../helpers/cli.js";
import { DaemonProcess, type LogLine } from "../helpers/daemon.js";
import { repoRoot } from "../helpers/paths.js";
import { bundledPluginsDir } from "../sdk/harness.js";

const exampleDir = join(repoRoot, "examples");
const exampleConfig = join(exampleDir, "postern.yaml");

describe("examples/postern.yaml", () => {
  it("passes config check and loads every bundled plugin", () => {
    const check = cliJson<{ ok: boolean; errors: unknown[] }>(["config", "check", "-c", exampleConfig]);
    assert.deepEqual(check.json, { ok: true, errors: [] });
    const plugins = cliJson<{ name: string; loaded: boolean; reason: string | null }[]>([
      "plugins",
      "-c",
      exampleConfig,
    ]);
    const names = plugins.json.map((p) => p.name);
    for (const name of ["echo", "feed", "github", "notify", "url-watch", "hello-py", "hello-sh"])
      assert.ok(names.includes(name), `${name} is listed`);
    for (const p of plugins.json) assert.equal(p.loaded, true, `${p.name}: ${p.reason}`);
  });

  it("every bundled plugin has a README and an executable entrypoint with a shebang", () => {
    const plugins = cliJson<{ name: string }[]>(["plugins", "-c", exampleConfig]).json;
    for (const { name } of plugins) {
      const dir = join(bundledPluginsDir, name);
      assert.ok(existsSync(join(dir, "README.md")), `${name}/README.md`);
      const manifest = readFileSync(join(dir, "manifest.yaml"), "utf8");
      const entry = /^entrypoint: (\S+)$/m.exec(manifest)?.[1] ?? "";
      assert.ok(statSync(join(dir, entry)).mode & 0o100, `${name}/${entry} is executable`);
      assert.match(readFileSync(join(dir, entry), "utf8"), /^#!/, `${name}/${entry} has a shebang`);
    }
  });
});

describe("examples/postern.yaml through the real daemon", () => {
  const dir = mkdtempSync(join(tmpdir(), "postern-example-"));
  const config = join(dir, "postern.yaml");
  const secret = "test-webhook-secret";
  const env = { POSTERN_EXAMPLE_DIR: dir, GITHUB_WEBHOOK_SECRET: secret };
  const notifications = join(dir, "data", "notifications.log");
  let daemon: DaemonProcess;

  const notified = (l: LogLine) => l.plugin === "notify" && l.job_status === "succeeded";
  const waitForNotifications = (count: number) =>
    daemon.waitFor(() => daemon.lines.filter(notified).length >= count, 20_000);
  const lines = () => readFileSync(notifications, "utf8").trim().split("\n");

  before(async () => {
    const original = readFileSync(exampleConfig, "utf8");
    const copy = original
      .replace("plugins_dir: ../plugins", `plugins_dir: ${bundledPluginsDir}`)
      .replace("listen: 127.0.0.1:8081", "listen: 127.0.0.1:0");
    assert.notEqual(copy, original);
    assert.ok(copy.includes(bundledPluginsDir) && copy.includes("127.0.0.1:0"), "both lines were rewritten");
    writeFileSync(config, copy);
    copyFileSync(join(exampleDir, "demo-feed.xml"), join(dir, "demo-feed.xml"));
    copyFileSync(join(exampleDir, "watched.json"), join(dir, "watched.json"));
    daemon = await DaemonProcess.start(config, env);
  });
  after(async () => {
    await daemon?.stop();
  });

  it("a feed poll turns the demo feed's entries into notification lines", async () => {
    const run = cli(["run", "feed", "-c", config, "--wait"], { env });
    assert.equal(run.status, 0, run.stderr + run.stdout);
    await waitForNotifications(3);
    const feedLines = lines().filter((l) => l.includes(" feed.item: "));
    assert.deepEqual(
      feedLines.map((l) => l.replace(/^\S+ /, "")),
      [
        "feed.item: Welcome to Postern <https://example.org/postern/welcome>",
        "feed.item: Each entry is delivered once, whatever the retries <https://example.org/postern/idempotency>",
        "feed.item: Route it anywhere: notify speaks ntfy, Slack and Discord <https://example.org/postern/notify>",
      ],
    );
  });

  it("a change in watched.json reaches notify as url.changed", async () => {
    const first = cli(["run", "url-watch", "-c", config, "--wait"], { env });
    assert.equal(first.status, 0, first.stderr);
    const watched = join(dir, "watched.json");
    writeFileSync(watched, readFileSync(watched, "utf8").replace('"green"', '"red"'));
    const before = daemon.lines.filter(notified).length;
    const second = cli(["run", "url-watch", "-c", config, "--wait"], { env });
    assert.equal(second.status, 0, second.stderr);
    await waitForNotifications(before + 1);
    const expected = `url.changed: ${watched} /status changed: "green" → "red" <${watched}>`;
    assert.ok(
      lines().some((l) => l.endsWith(expected)),
      lines().join("\n"),
    );
  });

  it("a signed GitHub webhook goes github → notify", async () => {
    const listening = await daemon.waitFor((l) => l.component === "http" && typeof l.port === "number");
    const body = JSON.stringify({
      ref: "refs/heads/main",
      compare: "https://github.com/ann/tool/compare/a...b",
      pusher: { name: "ann" },
      repository: { full_name: "ann/tool" },
      commits: [{ id: "b", message: "Ship it" }],
    });
    const before = daemon.lines.filter(notified).length;
    const res = await fetch(`http://127.0.0.1:${listening.port}/hook/github`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "push",
        "x-github-delivery": "delivery-1",
        "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
      },
      body,
    });
    assert.equal(res.status, 202, await res.text());
    await waitForNotifications(before + 1);
    assert.ok(
      lines().some((l) =>
        l.includes(
          " github.push: ann pushed 1 commit to ann/tool main <https://github.com/ann/tool/compare/a...b>",
        ),
      ),
      lines().join("\n"),
    );
  });
});
