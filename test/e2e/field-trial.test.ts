/**
 * Issue 15 (field trial), against the real daemon as a child process: what a new user tripped
 * over. Waits are on log lines, responses and the CLI, never on sleeps.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { cliJson, tempConfig } from "../helpers/cli.js";
import { DaemonProcess } from "../helpers/daemon.js";
import { fixturePluginsDir } from "../helpers/paths.js";
import { hmacHex, SECRET, send } from "../http/helpers.js";
import { cliAsync } from "../ops/helpers.js";

function scriptedConfig(): { dir: string; file: string } {
  return tempConfig(`service: { state_dir: ./data, log_level: debug, shutdown_grace: 1s }
plugins_dir: ${fixturePluginsDir}
plugins:
  scripted:
    retry: { max_attempts: 1 }
`);
}

function runScripted(config: string, script: unknown, extra: string[] = []) {
  return cliJson<{ job_id?: string; duplicate_of?: string }>([
    "run",
    "scripted",
    "--event",
    JSON.stringify({ type: "test", payload: { script } }),
    ...extra,
    "--config",
    config,
  ]);
}

function enqueued(r: ReturnType<typeof runScripted>): string {
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.json.job_id, `expected a job id: ${JSON.stringify(r.json)}`);
  return r.json.job_id;
}

describe("plugin stderr is logged at INFO after a success, WARN otherwise (SPEC §12)", () => {
  const env = scriptedConfig();
  let daemon: DaemonProcess;
  before(async () => {
    daemon = await DaemonProcess.start(env.file);
  });
  after(async () => {
    await daemon?.stop();
  });

  it("a successful attempt's diagnostics are INFO; a failed attempt's are WARN", async () => {
    const ok = enqueued(runScripted(env.file, { stderr: "fetched 3 items\n" }));
    const failed = enqueued(runScripted(env.file, { stderr: "connection refused\n", exit: 3 }));
    await daemon.waitForJob(ok, "succeeded");
    await daemon.waitForJob(failed, "dead");
    // The stderr line is written just after the attempt's line and may arrive in a later chunk.
    const stderrLine = (id: string) =>
      daemon
        .waitFor((l) => l.job_id === id && l.message === "plugin wrote to stderr", 5000)
        .catch(() => undefined);
    const okLine = await stderrLine(ok);
    assert.equal(okLine?.level, "info", JSON.stringify(okLine));
    assert.equal(okLine?.stderr, "fetched 3 items\n");
    const failedLine = await stderrLine(failed);
    assert.equal(failedLine?.level, "warn", JSON.stringify(failedLine));
    assert.equal(failedLine?.stderr, "connection refused\n");
  });
});

/** A plain TCP listener on a loopback port (not Postern): it drops every connection. */
async function occupyPort(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  assert.ok(typeof address === "object" && address !== null);
  return { server, port: address.port };
}

/** `ok` (no init) polls and emits `echo`, routed to `stamp`: a run would leave a stamp job behind. */
function routedConfig(port: number): { dir: string; file: string } {
  return tempConfig(`service: { state_dir: ./data, log_level: debug, shutdown_grace: 1s }
plugins_dir: ${fixturePluginsDir}
webhooks: { listen: "127.0.0.1:${port}" }
plugins:
  ok: {}
  stamp: {}
routes:
  - { from: ok, event_type: echo, to: stamp }
`);
}

interface JobJson {
  id: string;
  plugin: string;
  status: string;
  attempts: unknown[];
}

describe("a start that fails changes nothing (SPEC §11 start order)", () => {
  const holders: Server[] = [];
  const daemons: DaemonProcess[] = [];
  after(async () => {
    for (const d of daemons) await d.stop();
    for (const s of holders) s.close();
  });

  it("a busy webhooks.listen refuses the start before any job is claimed, and says what to change", async () => {
    const { server, port } = await occupyPort();
    holders.push(server);
    const env = routedConfig(port);
    const queued = cliJson<{ job_id?: string }>(["run", "ok", "--config", env.file]);
    assert.equal(queued.status, 0, queued.stderr);
    const jobId = queued.json.job_id as string;

    const start = await cliAsync(["start", "--config", env.file]);
    assert.equal(start.status, 1, `${start.stdout}\n${start.stderr}`);
    const expected =
      `cannot listen on 127.0.0.1:${port} (webhooks.listen): EADDRINUSE: another program is listening there; ` +
      `change webhooks.listen in ${env.file} to a free port`;
    assert.ok(start.stderr.includes(expected), start.stderr);
    assert.doesNotMatch(start.stderr, /\n\s+at /, "no stack trace");

    const job = cliJson<JobJson>(["jobs", "show", jobId, "--config", env.file]);
    assert.equal(job.status, 0, job.stderr);
    assert.equal(job.json.status, "queued");
    assert.equal(job.json.attempts.length, 0, "no attempt was spent");
    const all = cliJson<JobJson[]>(["jobs", "list", "--config", env.file]);
    assert.deepEqual(
      all.json.map((j) => [j.id, j.plugin, j.status]),
      [[jobId, "ok", "queued"]],
      "no downstream (stamp) job, no scheduled poll",
    );

    // Once the port is free, the same start runs the job and its route as usual.
    server.close();
    const daemon = await DaemonProcess.start(env.file);
    daemons.push(daemon);
    await daemon.waitForJob(jobId, "succeeded");
    const stamp = await daemon.waitFor((l) => l.plugin === "stamp" && l.job_status === "succeeded");
    assert.ok(stamp);
  });

  it("when another Postern daemon holds the port, the refusal says so", async () => {
    const first = routedConfig(0);
    const daemon = await DaemonProcess.start(first.file);
    daemons.push(daemon);
    const listening = await daemon.waitFor((l) => /^listening on http:/.test(l.message));
    const port = listening.port as number;

    const second = routedConfig(port);
    const start = await cliAsync(["start", "--config", second.file]);
    assert.equal(start.status, 1, `${start.stdout}\n${start.stderr}`);
    assert.match(
      start.stderr,
      new RegExp(
        `cannot listen on 127\\.0\\.0\\.1:${port} \\(webhooks\\.listen\\): EADDRINUSE: another Postern daemon is listening there \\(its /healthz answers: up \\d+[a-z0-9]*, 0 jobs queued\\); change webhooks\\.listen in .*postern\\.yaml to a free port, or stop that daemon`,
      ),
    );
  });
});

describe("a quick redelivery runs once (SPEC §6.6: queued or running keys are hits)", () => {
  const env = tempConfig(`service: { state_dir: ./data, log_level: debug, shutdown_grace: 1s }
plugins_dir: ${fixturePluginsDir}
plugins:
  scripted: {}
webhooks:
  listen: "127.0.0.1:0"
  endpoints:
    - { path: /hook/s, plugin: scripted, secret: ${JSON.stringify(SECRET)}, dedupe_header: X-Delivery }
`);
  const gate = join(env.dir, "gate");
  let daemon: DaemonProcess;
  let port: number;
  before(async () => {
    daemon = await DaemonProcess.start(env.file);
    port = (await daemon.waitFor((l) => /^listening on http:/.test(l.message))).port as number;
  });
  after(async () => {
    writeFileSync(gate, "");
    await daemon?.stop();
  });

  const deliver = (delivery: string, script: unknown) => {
    const body = JSON.stringify({ script });
    return send(port, "/hook/s", {
      body,
      headers: {
        "content-type": "application/json",
        "x-hub-signature-256": `sha256=${hmacHex(body)}`,
        "x-delivery": delivery,
      },
    });
  };

  it("a redelivery while the first is running or queued answers 200 duplicate_of; the CLI prints it", async () => {
    const first = await deliver("d1", { wait_for_file: gate });
    assert.equal(first.status, 202, first.body);
    const running = (JSON.parse(first.body) as { job_id: string }).job_id;
    await daemon.waitFor((l) => l.job_id === running && /started/.test(l.message));

    const again = await deliver("d1", { wait_for_file: gate });
    assert.equal(again.status, 200, again.body);
    assert.deepEqual(JSON.parse(again.body), { duplicate_of: running });
    const hitLine = await daemon.waitFor(
      (l) => l.dedupe_key === "webhook:/hook/s:d1" && l.duplicate_of === running,
    );
    assert.equal(hitLine.level, "info");
    assert.equal(hitLine.duplicate_status, "running");

    // The dispatcher is busy with the first: this one waits in the queue.
    const second = await deliver("d2", {});
    assert.equal(second.status, 202, second.body);
    const queued = (JSON.parse(second.body) as { job_id: string }).job_id;
    const redelivered = await deliver("d2", {});
    assert.equal(redelivered.status, 200, redelivered.body);
    assert.deepEqual(JSON.parse(redelivered.body), { duplicate_of: queued });

    // The same key from the CLI (same plugin, same command) is a hit too, and says so.
    const cliHit = runScripted(env.file, {}, ["--dedupe-key", "webhook:/hook/s:d2"]);
    assert.equal(cliHit.status, 0, cliHit.stderr);
    assert.deepEqual(cliHit.json, { duplicate_of: queued });
    assert.match(
      cliHit.stderr,
      new RegExp(`not enqueued: .* is already queued; .*postern jobs show ${queued}`),
    );

    // `run --wait` on a queued duplicate follows that job to its end.
    const waiting = cliAsync([
      "run",
      "scripted",
      "--event",
      JSON.stringify({ type: "test", payload: { script: {} } }),
      "--dedupe-key",
      "webhook:/hook/s:d2",
      "--wait",
      "--json",
      "--config",
      env.file,
    ]);

    writeFileSync(gate, "");
    await daemon.waitForJob(running, "succeeded");
    await daemon.waitForJob(queued, "succeeded");
    const waited = await waiting;
    assert.equal(waited.status, 0, waited.stderr);
    const final = JSON.parse(waited.stdout) as { id: string; status: string; duplicate_of: string };
    assert.deepEqual([final.id, final.status, final.duplicate_of], [queued, "succeeded", queued]);
    const jobs = cliJson<JobJson[]>(["jobs", "list", "--plugin", "scripted", "--config", env.file]);
    assert.deepEqual(jobs.json.map((j) => j.id).sort(), [running, queued].sort(), "one job per delivery");
  });
});
