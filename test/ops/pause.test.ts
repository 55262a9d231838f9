/**
 * `postern pause` / `resume` against the real daemon (SPEC §19): persisted, applied within a
 * second without a reload; a paused plugin is not scheduled and its jobs wait in place (the
 * jobs behind them still run); webhooks are still accepted; resume releases them in FIFO order.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { DaemonProcess } from "../helpers/daemon.js";
import { fixturePluginsDir } from "../helpers/paths.js";
import { cliAsync, enqueue, opsEnv, showJob, startDaemon, status } from "./helpers.js";

const running: DaemonProcess[] = [];
after(async () => {
  await Promise.all(running.map((d) => d.stop()));
});

function setup() {
  const env = opsEnv();
  const logFile = join(env.dir, "runs.csv");
  env.write(
    `webhooks:
  listen: "127.0.0.1:0"
  endpoints:
    - { path: /hook/s, plugin: scripted, secret: s3cret }
plugins:
  scripted:
    config: { log_file: ${logFile} }
    schedule: { every: 1h, jitter: 0s }
    retry: { max_attempts: 1 }
  scripted-b:
    config: { log_file: ${logFile} }
    retry: { max_attempts: 1 }
`,
    `service: { state_dir: ./data, log_level: debug, tick_interval: 1s }
plugins_dir: ${fixturePluginsDir}
`,
  );
  const runs = () =>
    existsSync(logFile)
      ? readFileSync(logFile, "utf8")
          .split("\n")
          .filter((l) => l !== "")
          .map((l) => {
            const [plugin, job] = l.split(",");
            return { plugin, job };
          })
      : [];
  return { env, runs };
}

async function webhook(port: number, payload: unknown): Promise<{ status: number; job_id: string }> {
  const body = JSON.stringify(payload);
  const r = await fetch(`http://127.0.0.1:${port}/hook/s`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-hub-signature-256": `sha256=${createHmac("sha256", "s3cret").update(body).digest("hex")}`,
    },
    body,
  });
  return { status: r.status, job_id: ((await r.json()) as { job_id: string }).job_id };
}

describe("postern pause / resume", () => {
  it("refuses an unknown plugin naming the known ones; --command is checked", async () => {
    const { env } = setup();
    const r = await cliAsync(["pause", "nope", "--config", env.file]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /plugin "nope" is not in .*; known plugins: scripted, scripted-b/);
    const bad = await cliAsync(["pause", "scripted", "--command", "init", "--config", env.file]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--command must be one of poll, handle/);
    const unknownResume = await cliAsync(["resume", "nope", "--config", env.file]);
    assert.equal(unknownResume.status, 1);
    assert.match(unknownResume.stderr, /known plugins: scripted, scripted-b/);
  });

  it("holds jobs (webhooks still accepted), is shown everywhere, and resume releases them in FIFO order", async () => {
    const { env, runs } = setup();
    // Paused before the daemon ever started: persisted, so the first poll is not scheduled.
    const paused = await cliAsync(["pause", "scripted", "--config", env.file]);
    assert.equal(paused.status, 0, paused.stderr);
    assert.match(paused.stdout, /^paused scripted: not scheduled/);
    assert.match(paused.stderr, /no postern daemon is running/);

    const { daemon, port } = await startDaemon(env);
    running.push(daemon);
    await daemon.waitFor((l) => l.plugin === "scripted" && l.paused === true);

    const again = await cliAsync(["pause", "scripted", "--config", env.file, "--json"]);
    assert.equal(again.status, 0);
    const againJson = JSON.parse(again.stdout) as { already_paused: boolean; since: string };
    assert.equal(againJson.already_paused, true);
    const againHuman = await cliAsync(["pause", "scripted", "--config", env.file]);
    assert.match(againHuman.stdout, /^scripted was already paused \(since .*\); nothing changed/);

    const a = await enqueue(env.file, "scripted", { type: "t", payload: { n: 1 } });
    const b = await enqueue(env.file, "scripted", { type: "t", payload: { n: 2 } });
    const hook = await webhook(port, { n: 3 });
    assert.equal(hook.status, 202, "a webhook to a paused plugin is accepted");
    const c = await enqueue(env.file, "scripted", { type: "t", payload: { n: 4 } });
    // Behind the paused jobs: not blocked by them.
    const other = await enqueue(env.file, "scripted-b", { type: "t", payload: {} });
    await daemon.waitForJob(other, "succeeded");
    for (const id of [a, b, hook.job_id, c]) assert.equal((await showJob(env.file, id)).status, "queued");
    assert.deepEqual(
      runs().map((r) => r.job),
      [other],
      "nothing of the paused plugin ran, not even its first poll",
    );

    // exec is the author's harness: it runs while paused.
    const exec = await cliAsync(["exec", "scripted", "poll", "--config", env.file, "--json"]);
    assert.equal(exec.status, 0, exec.stderr);

    const st = await status(env.file);
    const p = st.json.plugins.find((x) => x.name === "scripted")!;
    assert.equal(p.paused?.all, true);
    assert.match(p.next_run_reason, /^paused/);
    assert.equal(st.json.plugins.find((x) => x.name === "scripted-b")!.paused, null);
    const human = await cliAsync(["status", "--config", env.file, "--no-health"]);
    assert.match(human.stdout, /scripted\s+PAUSED/);
    assert.match(human.stdout, /scripted: paused since .*its queued jobs wait/);
    const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as Record<
      string,
      unknown
    >;
    assert.equal(health.plugins_paused, 1);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(metrics, /^postern_paused\{plugin="scripted",command="\*"\} 1$/m);
    const page = await (await fetch(`http://127.0.0.1:${port}/plugins`)).text();
    assert.match(page, /<tr id="plugin-scripted"[\s\S]*?badge warn">paused</);

    const resumed = await cliAsync(["resume", "scripted", "--config", env.file]);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stdout, /^resumed scripted: its 4 queued job\(s\) run in their order/);
    for (const id of [a, b, hook.job_id, c]) await daemon.waitForJob(id, "succeeded");
    assert.deepEqual(
      runs()
        .map((r) => r.job)
        .filter((j) => [a, b, hook.job_id, c].includes(j as string)),
      [a, b, hook.job_id, c],
      "released in FIFO order",
    );
    // The scheduler follows the resume too: the first poll, due since the start, runs now.
    await daemon.waitFor((l) => l.plugin === "scripted" && /poll enqueued/.test(l.message));
    const notPaused = await cliAsync(["resume", "scripted", "--config", env.file]);
    assert.match(notPaused.stdout, /^scripted was not paused; nothing changed/);
  });

  it("--command holds only that command's jobs", async () => {
    const { env, runs } = setup();
    const { daemon } = await startDaemon(env);
    running.push(daemon);
    const p = await cliAsync(["pause", "scripted", "--command", "handle", "--config", env.file]);
    assert.match(p.stdout, /^paused scripted handle/);
    await daemon.waitFor((l) => l.plugin === "scripted" && l.command === "handle" && l.paused === true);
    const held = await enqueue(env.file, "scripted", { type: "t", payload: {} });
    const other = await enqueue(env.file, "scripted-b", { type: "t", payload: {} });
    await daemon.waitForJob(other, "succeeded");
    assert.equal((await showJob(env.file, held)).status, "queued");
    assert.ok(!runs().some((r) => r.job === held));
    const st = await status(env.file);
    assert.deepEqual(st.json.plugins.find((x) => x.name === "scripted")!.paused?.commands, ["handle"]);
    const r = await cliAsync(["resume", "scripted", "--command", "handle", "--config", env.file]);
    assert.equal(r.status, 0);
    await daemon.waitForJob(held, "succeeded");
  });
});
