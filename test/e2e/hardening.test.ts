/**
 * Issue 22 against the real daemon: deep JSON bodies are refused where they enter, a job stored
 * too deep to serialise (by a version without the limit) never leaves a plugin process running
 * beside its attempt, and plugins get no descriptor the daemon inherited.
 */
import assert from "node:assert/strict";
import { closeSync, mkdirSync, mkdtempSync, openSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { cli, cliJson } from "../helpers/cli.js";
import { DaemonProcess } from "../helpers/daemon.js";
import { fixturePluginsDir } from "../helpers/paths.js";
import { listProcesses } from "../helpers/procs.js";
import { hmacHex, send } from "../http/helpers.js";

const SECRET = "deep-secret";

function nestedText(depth: number): string {
  return `${"[".repeat(depth)}${"]".repeat(depth)}`;
}

/** Every live process descending from the daemon (its plugins and anything they started). */
function descendants(root: number): number[] {
  const procs = listProcesses().filter((p) => p.state !== "Z");
  const found = new Set<number>([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of procs) {
      if (found.has(p.ppid) && !found.has(p.pid)) {
        found.add(p.pid);
        grew = true;
      }
    }
  }
  found.delete(root);
  return [...found];
}

describe("deep JSON and inherited descriptors, end to end (issue 22)", () => {
  let dir: string;
  let config: string;
  let daemon: DaemonProcess;
  let port: number;
  let oldDeepJob: string;
  let extraFd: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "postern-hardening-"));
    const outDir = join(dir, "received");
    config = join(dir, "postern.yaml");
    writeFileSync(
      config,
      `service: { state_dir: ./data, log_level: debug, shutdown_grace: 1s }
plugins_dir: ${fixturePluginsDir}
plugins:
  webhook-recorder:
    config: { out_dir: ${outDir} }
  hang:
    retry: { max_attempts: 3, backoff_base: 100ms }
    timeouts: { handle: 60s }
  fd-list: {}
webhooks:
  listen: 127.0.0.1:0
  endpoints:
    - path: /hook
      plugin: webhook-recorder
      secret: ${JSON.stringify(SECRET)}
`,
    );
    mkdirSync(outDir);
    // A job as a version without the depth limit stored it: its event 100,000 levels deep.
    const queued = cliJson<{ job_id: string }>([
      "run",
      "hang",
      "--command",
      "handle",
      "--event",
      '{"type":"t"}',
      "--config",
      config,
    ]);
    assert.equal(queued.status, 0, queued.stderr);
    oldDeepJob = queued.json.job_id;
    const db = new Database(join(dir, "data", "postern.db"));
    db.prepare("UPDATE jobs SET payload = ? WHERE id = ?").run(
      `{"event_id":"e","type":"t","payload":${nestedText(100_000)}}`,
      oldDeepJob,
    );
    db.close();
    extraFd = openSync(config, "r");
    // Descriptors 3 and 4 (pipes) and 5 (a file) are open, not close-on-exec, in the daemon.
    daemon = await DaemonProcess.start(config, {}, { extraStdio: ["pipe", "pipe", extraFd] });
    port = (await daemon.waitFor((l) => /^listening on http:/.test(l.message))).port as number;
  });

  after(async () => {
    await daemon?.stop();
    if (extraFd !== undefined) closeSync(extraFd);
  });

  it("a job too deep to serialise fails once, non-retryable, with no plugin process started", async () => {
    const line = await daemon.waitForJob(oldDeepJob, "dead");
    assert.match(String(line.message), /request could not be serialised, no process was started/);
    assert.deepEqual(descendants(daemon.pid), [], "no plugin process outlives the attempt");
    const shown = cliJson<{ attempts: { error: string; retryable: boolean }[] }>([
      "jobs",
      "show",
      oldDeepJob,
      "--config",
      config,
    ]);
    assert.equal(shown.status, 0, shown.stderr);
    assert.equal(shown.json.attempts.length, 1);
    assert.equal(shown.json.attempts[0]?.retryable, false);
  });

  for (const depth of [1, 128]) {
    it(`a signed body nested ${depth} levels is accepted (202) and handled`, async () => {
      const body = nestedText(depth);
      const r = await send(port, "/hook", {
        body,
        headers: {
          "content-type": "application/json",
          "x-hub-signature-256": `sha256=${hmacHex(body, SECRET)}`,
        },
      });
      assert.equal(r.status, 202, r.body);
      const jobId = (JSON.parse(r.body) as { job_id: string }).job_id;
      await daemon.waitForJob(jobId, "succeeded");
      assert.deepEqual(descendants(daemon.pid), []);
    });
  }

  for (const depth of [129, 4_100, 100_000]) {
    it(`a signed body nested ${depth} levels is 400 naming the limit, nothing queued`, async () => {
      const before = cli(["jobs", "list", "--json", "--config", config]);
      const body = nestedText(depth);
      const r = await send(port, "/hook", {
        body,
        headers: {
          "content-type": "application/json",
          "x-hub-signature-256": `sha256=${hmacHex(body, SECRET)}`,
        },
      });
      assert.equal(r.status, 400, r.body);
      assert.deepEqual(JSON.parse(r.body), { error: "JSON body nests deeper than 128 levels" });
      const afterList = cli(["jobs", "list", "--json", "--config", config]);
      assert.equal(afterList.stdout, before.stdout, "nothing was queued");
    });
  }

  it("a plugin the daemon runs gets stdin, stdout and stderr only", async () => {
    const queued = cliJson<{ job_id: string }>(["run", "fd-list", "--config", config]);
    assert.equal(queued.status, 0, queued.stderr);
    await daemon.waitForJob(queued.json.job_id, "succeeded");
    const logs = cliJson<{ job_id: string; logs: { message: string }[] }[]>([
      "logs",
      "fd-list",
      "--config",
      config,
    ]);
    assert.equal(logs.status, 0, logs.stderr);
    const entry = logs.json.find((e) => e.job_id === queued.json.job_id);
    const message = entry?.logs.find((l) => l.message.startsWith("fds "))?.message ?? "";
    const fds = JSON.parse(message.replace(/^fds /, "")) as Record<string, string>;
    assert.deepEqual(Object.keys(fds).sort(), ["0", "1", "2"], message);
  });
});
