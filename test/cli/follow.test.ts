/** `run --wait` and `logs -f` against the real daemon: they follow what it commits. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { after, before, describe, it } from "node:test";
import type { Job } from "../../src/store/index.js";
import { cli, cliJson } from "../helpers/cli.js";
import { DaemonProcess } from "../helpers/daemon.js";
import { postern } from "../helpers/paths.js";
import { setup } from "./operator-fixture.js";

describe("following jobs while the daemon runs", () => {
  const s = setup("  exit-3: { retry: { max_attempts: 2, backoff_base: 100ms } }\n");
  let daemon: DaemonProcess;
  before(async () => {
    daemon = await DaemonProcess.start(s.file);
  });
  after(async () => {
    await daemon.stop();
  });

  it("run --wait exits 0 with the verdict once the job succeeded, without the no-daemon warning", () => {
    const r = cli(["run", "ok", "--wait", "--config", s.file]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^job \S+ succeeded \(attempt 1\/3\)$/m);
    assert.doesNotMatch(r.stderr, /no postern daemon is running/);
  });

  it("run --wait --json prints the final job object and exits 1 when it ends dead", () => {
    const r = cliJson<Job>(["run", "exit-3", "--wait", "--config", s.file]);
    assert.equal(r.status, 1);
    assert.equal(r.json.status, "dead");
    assert.equal(r.json.attempt, 2);
    assert.equal(r.json.last_error, "exit code 3");
    const human = cli(["run", "exit-3", "--wait", "--config", s.file]);
    assert.equal(human.status, 1);
    assert.match(human.stderr, /attempt 1 failed: exit code 3; retry/);
    assert.match(human.stdout, /is dead after attempt 2\/2: exit code 3/);
  });

  it("logs -f prints attempts as they are committed and exits 0 on SIGINT", async () => {
    const follower = spawn(postern, ["logs", "-f", "--limit", "1", "--config", s.file], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let onOutput = () => {};
    follower.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      onOutput();
    });
    const id = cli(["run", "ok", "--config", s.file]).stdout.trim();
    // Wait on the follower's output itself, not on a polling loop.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`logs -f did not show ${id}:\n${out}`)), 10_000);
      onOutput = () => {
        if (!out.includes(id)) return;
        clearTimeout(timer);
        resolve();
      };
      onOutput();
    });
    assert.match(out, new RegExp(`ok poll  job ${id}  attempt 1/3  succeeded`));
    follower.kill("SIGINT");
    const [code] = await once(follower, "exit");
    assert.equal(code, 0);
  });
});
