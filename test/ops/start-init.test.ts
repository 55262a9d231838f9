/**
 * Inits at start run once the daemon is up (docs/daemon.md, start-up step 7): /healthz and the
 * webhooks answer while an init is still running, nothing of the plugin runs before its init
 * succeeded, and its first poll follows the init at once instead of waiting for a heartbeat.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { DaemonProcess, LogLine } from "../helpers/daemon.js";
import { fixturePluginsDir } from "../helpers/paths.js";
import { opsEnv, showJob, startDaemon } from "./helpers.js";

const running: DaemonProcess[] = [];
after(async () => {
  for (const d of running) await d.stop();
});

describe("plugin inits at start", () => {
  it("the daemon serves before a slow init ends; the plugin's work waits for it", async () => {
    const env = opsEnv();
    const gate = join(env.dir, "init-gate");
    // A heartbeat of an hour: only the tick after the init can start the first poll in time.
    env.write(
      `webhooks:
  listen: "127.0.0.1:0"
  endpoints:
    - { path: /hook/s, plugin: scripted, secret: s3cret }
plugins:
  scripted:
    config: { init_script: { wait_for_file: ${gate} } }
    schedule: { every: 1h, jitter: 0s }
`,
      `service: { state_dir: ./data, log_level: debug, tick_interval: 1h }
plugins_dir: ${fixturePluginsDir}
`,
    );
    const { daemon, port } = await startDaemon(env);
    running.push(daemon);
    assert.ok(daemon.lines.some((l) => /init pending for scripted/.test(l.message)));

    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(health.status, 200);
    const body = JSON.stringify({ hello: "world" });
    const hook = await fetch(`http://127.0.0.1:${port}/hook/s`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-hub-signature-256": `sha256=${createHmac("sha256", "s3cret").update(body).digest("hex")}`,
      },
      body,
    });
    assert.equal(hook.status, 202, "webhooks are accepted while the init runs");
    const { job_id } = (await hook.json()) as { job_id: string };
    assert.equal((await showJob(env.file, job_id)).status, "queued");
    assert.ok(!daemon.lines.some((l) => /init succeeded/.test(l.message)));

    writeFileSync(gate, "");
    const initDone = await daemon.waitFor((l) => /init succeeded/.test(l.message));
    await daemon.waitForJob(job_id, "succeeded");
    const poll = await daemon.waitFor(
      (l) => l.plugin === "scripted" && /\(poll\)/.test(l.message) && /started/.test(l.message),
    );
    const handleStart = daemon.lines.find((l) => l.job_id === job_id && /started/.test(l.message));
    assert.ok(handleStart, "the handle job's start is logged");
    const at = (l: LogLine) => Date.parse(String(l.timestamp));
    assert.ok(at(handleStart) >= at(initDone), "the webhook's job ran only after the init");
    assert.ok(at(poll) >= at(initDone), "the first poll ran only after the init");
  });
});
