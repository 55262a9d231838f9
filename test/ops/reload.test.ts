/**
 * Reload and the init/health lifecycle through the real daemon (issue 6, SPEC §4.4, §11):
 * validate-then-swap, init on add/change, removed plugins' jobs dead, listener rebind, the
 * in-flight job's config snapshot, and an unhealthy plugin recovering after a fixing reload.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { DaemonProcess, LogLine } from "../helpers/daemon.js";
import { github, send } from "../http/helpers.js";
import {
  cliAsync,
  enqueue,
  freePort,
  listJobs,
  type OpsEnv,
  opsEnv,
  SECRET,
  showJob,
  startDaemon,
  status,
} from "./helpers.js";

const running: DaemonProcess[] = [];
after(async () => {
  await Promise.all(running.map((d) => d.stop()));
});

async function boot(env: OpsEnv) {
  const started = await startDaemon(env);
  running.push(started.daemon);
  return started;
}

/** The first matching log line from index `from` on (so an earlier, similar line does not count). */
function waitFrom(daemon: DaemonProcess, from: number, predicate: (l: LogLine) => boolean) {
  return daemon.waitFor((l) => daemon.lines.indexOf(l) >= from && predicate(l));
}

const started = (daemon: DaemonProcess, id: string) =>
  daemon.waitFor((l) => l.job_id === id && /attempt \d+ of \d+ started/.test(l.message));

function body(
  env: OpsEnv,
  opts: { probe?: string | null; listen?: string; scripted?: boolean; endpoint?: boolean } = {},
): string {
  const probe =
    opts.probe === null
      ? ""
      : `  reload-probe:
    config: { record_file: ${env.recordFile}, ${opts.probe ?? "fixed: true, tag: old"} }
    schedule: { every: 1h }
`;
  const endpoint =
    opts.endpoint === false || opts.probe === null
      ? ""
      : `  endpoints:
    - path: /hook/probe
      plugin: reload-probe
      secret: ${JSON.stringify(SECRET)}
      signature_header: X-Hub-Signature-256
`;
  const scripted =
    opts.scripted === false
      ? ""
      : `  scripted:
    config: {}
    timeouts: { handle: 20s }
`;
  return `webhooks:
  listen: ${JSON.stringify(opts.listen ?? "127.0.0.1:0")}
${endpoint}plugins:
${probe}${scripted}`;
}

describe("reload (SPEC §11)", () => {
  it("a broken config is rejected: the old config keeps serving and `postern reload` exits 1 with the error", async () => {
    const env = opsEnv();
    env.write(body(env));
    const { daemon, port } = await boot(env);
    // The first poll runs at start; the next tick plans the one after it.
    const polled = await daemon.waitFor((l) => l.plugin === "reload-probe" && l.job_status === "succeeded");
    const planned = await waitFrom(
      daemon,
      daemon.lines.indexOf(polled),
      (l) => l.plugin === "reload-probe" && /^next run of reload-probe planned/.test(l.message),
    );
    const before = (await status(env.file)).json.plugins.find((p) => p.name === "reload-probe");
    assert.ok(before?.next_run_at, "the probe has a scheduled next run");
    assert.equal(before.next_run_at, planned.next_run_at);

    // 1. Invalid on disk: the CLI validates first, prints every problem, does not signal.
    env.write(body(env).replace("schedule: { every: 1h }", 'schedule: { every: "often" }'));
    const local = await cliAsync(["reload", "--config", env.file]);
    assert.equal(local.status, 1);
    assert.match(local.stdout + local.stderr, /invalid/);
    assert.match(local.stdout + local.stderr, /every/);

    // 2. Valid for the CLI but not for the daemon (a variable only the CLI's environment has):
    // the daemon rejects it, records the verdict, and the CLI prints it and exits 1.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a config-file ${VAR}, not a JS template
    env.write(body(env, { probe: 'fixed: true, tag: "${POSTERN_OPS_ONLY_IN_CLI}"' }));
    const mark = daemon.lines.length;
    const rejected = await cliAsync(["reload", "--config", env.file], { POSTERN_OPS_ONLY_IN_CLI: "x" });
    assert.equal(rejected.status, 1, rejected.stdout + rejected.stderr);
    assert.match(rejected.stdout, /reload rejected by daemon \d+; it keeps running on the old config/);
    assert.match(rejected.stdout, /POSTERN_OPS_ONLY_IN_CLI/);
    await waitFrom(daemon, mark, (l) => l.level === "error" && /^reload rejected/.test(l.message));

    // 3. A plain SIGHUP (what `systemctl reload` sends) with unparsable YAML: rejected as well.
    env.write("plugins: [this is: not: yaml\n");
    const mark2 = daemon.lines.length;
    process.kill(daemon.pid, "SIGHUP");
    await waitFrom(daemon, mark2, (l) => l.level === "error" && /^reload rejected/.test(l.message));

    // The CLI reads the config file too (status needs a parsable one): put the original back,
    // without reloading; the daemon has been on it all along.
    env.write(body(env));

    // Still serving the old config: the webhook endpoint answers 202 and its job runs with the
    // old plugin config; the schedule is unchanged.
    const reply = await github(port, { hello: "still here" }, { path: "/hook/probe" });
    assert.equal(reply.status, 202, reply.body);
    const jobId = (JSON.parse(reply.body) as { job_id: string }).job_id;
    await daemon.waitForJob(jobId, "succeeded");
    const handled = env.records().find((r) => r.job_id === jobId);
    assert.equal(handled?.config.tag, "old");
    const afterStatus = (await status(env.file)).json.plugins.find((p) => p.name === "reload-probe");
    assert.equal(afterStatus?.next_run_at, before.next_run_at);
    assert.equal(afterStatus?.enabled, true);
    assert.equal(daemon.child.exitCode, null, "the daemon is still running");
  });

  it("reload adding a plugin runs its init", async () => {
    const env = opsEnv();
    env.write(body(env, { probe: null }));
    const { daemon } = await boot(env);
    assert.equal(env.records().length, 0);

    env.write(body(env));
    const r = await cliAsync(["reload", "--config", env.file]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /reload applied by daemon \d+/);
    const init = await daemon.waitFor((l) => l.plugin === "reload-probe" && /init succeeded/.test(l.message));
    assert.equal(init.level, "info");
    const records = env.records();
    assert.equal(records[0]?.command, "init", "init ran first, before the plugin's first poll");
    assert.equal(records.filter((x) => x.command === "init").length, 1, "init ran once");
    const st = (await status(env.file)).json.plugins.find((p) => p.name === "reload-probe");
    assert.equal(st?.loaded, true);
    assert.equal(st?.healthy, true);
  });

  it("reload removing a plugin makes its queued jobs dead with 'plugin removed'", async () => {
    const env = opsEnv();
    env.write(body(env));
    const { daemon } = await boot(env);
    // Keep the dispatcher busy so the probe's job cannot start yet: the busy job holds until the
    // test opens its gate, however slow the machine is.
    const gate = join(env.dir, "busy-gate");
    const busy = await enqueue(env.file, "scripted", {
      type: "busy",
      payload: { script: { wait_for_file: gate } },
    });
    await started(daemon, busy);
    const victim = await enqueue(env.file, "reload-probe", { type: "t", payload: {} });

    env.write(body(env, { probe: null }));
    const reload = cliAsync(["reload", "--config", env.file]);
    const dead = await daemon.waitFor(
      (l) => l.job_id === victim && /is dead: plugin removed/.test(l.message),
    );
    assert.equal(dead.level, "warn");
    const r = await reload;
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const job = await showJob(env.file, victim);
    assert.equal(job.status, "dead");
    assert.match(job.last_error ?? "", /plugin removed/);
    assert.equal(job.attempts.length, 0, "it never ran");
    writeFileSync(gate, "");
    await daemon.waitForJob(busy, "succeeded");
    assert.equal(
      env.records().find((x) => x.job_id === victim),
      undefined,
      "the removed plugin's job never reached it",
    );
  });

  it("reload changing webhooks.listen rebinds: the new port answers, the old one does not", async () => {
    const env = opsEnv();
    env.write(body(env));
    const { daemon, port: oldPort } = await boot(env);
    assert.equal((await send(oldPort, "/nowhere")).status, 404);

    const newPort = await freePort();
    env.write(body(env, { listen: `127.0.0.1:${newPort}` }));
    const mark = daemon.lines.length;
    const r = await cliAsync(["reload", "--config", env.file]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    await waitFrom(daemon, mark, (l) => /^listening on http:/.test(l.message) && l.port === newPort);

    assert.equal((await send(newPort, "/nowhere")).status, 404);
    const reply = await github(newPort, { on: "new port" }, { path: "/hook/probe" });
    assert.equal(reply.status, 202, reply.body);
    await assert.rejects(send(oldPort, "/nowhere"), (e: NodeJS.ErrnoException) => e.code === "ECONNREFUSED");
  });

  it("reload during a long-running job: the job finishes with its old config snapshot; new work gets the new one", async () => {
    const env = opsEnv();
    env.write(body(env));
    const { daemon } = await boot(env);
    const long = await enqueue(env.file, "reload-probe", { type: "t", payload: { sleep_ms: 1500 } });
    await started(daemon, long);

    env.write(body(env, { probe: "fixed: true, tag: new" }));
    const mark = daemon.lines.length;
    const reload = cliAsync(["reload", "--config", env.file]);
    await waitFrom(daemon, mark, (l) => /^reload applied/.test(l.message));
    const r = await reload;
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const after = await enqueue(env.file, "reload-probe", { type: "t", payload: {} });
    await daemon.waitForJob(after, "succeeded");

    assert.equal((await showJob(env.file, long)).status, "succeeded");
    const records = env.records();
    const longRec = records.find((x) => x.job_id === long);
    const afterRec = records.find((x) => x.job_id === after);
    assert.equal(longRec?.config.tag, "old", "the in-flight job kept the config it started with");
    assert.equal(afterRec?.config.tag, "new", "new work uses the reloaded config");
    // The changed config re-ran init, with the new config, between jobs (never beside one).
    const inits = records.filter((x) => x.command === "init");
    assert.deepEqual(
      inits.map((x) => x.config.tag),
      ["old", "new"],
    );
    const reinit = records.indexOf(inits[1]!);
    assert.ok(reinit > records.indexOf(longRec!), "init ran after the in-flight job finished");
  });
});

describe("init and health (SPEC §4.4)", () => {
  it("failing init → unhealthy, its webhook jobs wait; fixed config + reload → they run", async () => {
    const env = opsEnv();
    env.write(body(env, { probe: "fixed: false, tag: broken" }));
    const { daemon, port } = await boot(env);
    const failed = await daemon.waitFor((l) => l.plugin === "reload-probe" && /^init failed/.test(l.message));
    assert.match(failed.message, /not fixed yet/);

    const st = await status(env.file);
    const probe = st.json.plugins.find((p) => p.name === "reload-probe");
    assert.equal(probe?.healthy, false);
    const human = await cliAsync(["status", "--config", env.file, "--no-health"]);
    assert.equal(human.status, 0);
    assert.match(human.stdout, /reload-probe\s+UNHEALTHY/);
    assert.match(human.stdout, /reload-probe: init failed: not fixed yet/);

    // Webhooks are still accepted; the job waits (not lost, not run).
    const reply = await github(port, { n: 1 }, { path: "/hook/probe" });
    assert.equal(reply.status, 202, reply.body);
    const waiting = (JSON.parse(reply.body) as { job_id: string }).job_id;
    // A later job of a healthy plugin runs first: proof the dispatcher looked at the queue and
    // skipped the unhealthy plugin's older job.
    const other = await enqueue(env.file, "scripted", { type: "x", payload: { script: {} } });
    await daemon.waitForJob(other, "succeeded");
    const jobs = await listJobs(env.file, "reload-probe");
    assert.deepEqual(
      jobs.map((j) => [j.id, j.status]),
      [[waiting, "queued"]],
    );
    assert.equal(env.records().filter((x) => x.command !== "init").length, 0);

    env.write(body(env, { probe: "fixed: true, tag: fixed" }));
    const r = await cliAsync(["reload", "--config", env.file]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    await daemon.waitFor((l) => l.plugin === "reload-probe" && /init succeeded/.test(l.message));
    await daemon.waitForJob(waiting, "succeeded");
    const handled = env.records().find((x) => x.job_id === waiting);
    assert.equal(handled?.command, "handle");
    assert.equal(handled?.config.tag, "fixed");
    assert.equal((await status(env.file)).json.plugins.find((p) => p.name === "reload-probe")?.healthy, true);
  });
});
