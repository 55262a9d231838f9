/**
 * The scheduler inside the real daemon (a child process), with 1 s ticks and the scripted
 * fixture plugin. Every wait is on a daemon log line, never on a guessed sleep.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { cli, cliJson } from "../helpers/cli.js";
import { DaemonProcess, type LogLine } from "../helpers/daemon.js";
import { fixturePluginsDir } from "../helpers/paths.js";

function config(plugins: string): string {
  const dir = mkdtempSync(join(tmpdir(), "postern-sched-"));
  const file = join(dir, "postern.yaml");
  writeFileSync(
    file,
    `service:
  state_dir: ./data
  log_level: debug
  tick_interval: 1s
  shutdown_grace: 1s
plugins_dir: ${fixturePluginsDir}
webhooks:
  listen: 127.0.0.1:0
plugins:
${plugins}`,
  );
  return file;
}

const enqueued = (plugin: string) => (l: LogLine) =>
  l.plugin === plugin && /^poll enqueued for /.test(l.message);
const isTick = (l: LogLine) => l.message === "scheduler tick";

/** Resolves after `n` more scheduler ticks than have been logged so far. */
function ticks(d: DaemonProcess, n: number): Promise<LogLine> {
  const target = d.lines.filter(isTick).length + n;
  let seen = d.lines.filter(isTick).length;
  return d.waitFor((l) => isTick(l) && ++seen >= target);
}

const daemons: DaemonProcess[] = [];
after(async () => {
  for (const d of daemons) await d.stop();
});

async function start(file: string): Promise<DaemonProcess> {
  const d = await DaemonProcess.start(file);
  daemons.push(d);
  return d;
}

describe("scheduler in the real daemon", () => {
  it("a monthly plugin polls once and not again within the next ticks (no 2^31 ms timer loop)", async () => {
    const file = config(`  scripted:
    schedule: { every: monthly }
    config: { script: {} }
`);
    const d = await start(file);
    const first = await d.waitFor(enqueued("scripted"));
    await d.waitForJob(String(first.job_id), "succeeded");
    const planned = await d.waitFor((l) =>
      /^next run of scripted planned for .* \(poll succeeded\)$/.test(l.message),
    );
    const days =
      (Date.parse(String(planned.next_run_at)) - Date.parse(String(planned.timestamp))) / 86_400_000;
    assert.ok(days >= 28 && days <= 31, `next run in ${days} days`);
    const t0 = Date.parse(String(planned.timestamp));
    const last = await ticks(d, 3);
    assert.equal(d.lines.filter(enqueued("scripted")).length, 1);
    const seconds = (Date.parse(String(last.timestamp)) - t0) / 1000;
    const tickCount = d.lines.filter((l) => isTick(l) && Date.parse(String(l.timestamp)) > t0).length;
    assert.ok(tickCount <= seconds + 2, `${tickCount} ticks in ${seconds} s: the timer does not spin`);
    await d.stop();
  });

  it("the poll guard holds while a poll is slow: no second poll is queued", async () => {
    const file = config(`  scripted:
    schedule: { every: 1m }
    timeouts: { poll: 10s }
    config: { script: { sleep_ms: 1500 } }
  scripted-b:
    schedule: { every: 1m }
    timeouts: { poll: 10s }
    config: { script: { sleep_ms: 1500 } }
`);
    // A CLI poll of scripted is queued before the daemon starts: the scheduled first run of
    // scripted is due at start, and must wait behind it.
    const r = cliJson<{ job_id: string }>(["run", "scripted", "--config", file]);
    assert.equal(r.status, 0, r.stderr);
    const d = await start(file);
    await d.waitFor(
      (l) =>
        l.plugin === "scripted" &&
        /^due poll of scripted not enqueued: poll guard: 1 poll outstanding$/.test(l.message),
    );
    await d.waitForJob(r.json.job_id, "succeeded");
    // scripted-b's own slow scheduled poll is not duplicated while it runs either.
    const b = await d.waitFor(enqueued("scripted-b"));
    await d.waitForJob(String(b.job_id), "succeeded");
    await ticks(d, 2);
    assert.equal(
      d.lines.filter(enqueued("scripted")).length,
      0,
      "the CLI poll's success counts: next run in 1m",
    );
    assert.equal(d.lines.filter(enqueued("scripted-b")).length, 1);
    assert.equal(d.lines.filter((l) => /not enqueued: poll guard/.test(l.message)).length, 1, "logged once");
    const polls = cliJson<{ plugin: string; command: string }[]>(["jobs", "list", "--config", file]).json;
    assert.deepEqual(polls.map((j) => `${j.plugin}:${j.command}`).sort(), [
      "scripted-b:poll",
      "scripted:poll",
    ]);
    await d.stop();
  });

  it("failing polls open the circuit, a CLI handle job still runs, one half-open trial, reset closes", async () => {
    const file = config(`  scripted:
    schedule: { every: 1m }
    retry: { max_attempts: 1 }
    circuit_breaker: { threshold: 3, reset_after: 4s }
    config: { script: { exit: 3 } }
`);
    const d = await start(file);
    const opened = await d.waitFor(
      (l) =>
        l.plugin === "scripted" &&
        /^circuit opened: circuit of scripted poll: 3 consecutive failures/.test(l.message),
    );
    assert.equal(d.lines.filter(enqueued("scripted")).length, 3);
    assert.equal(opened.level, "warn");

    // The breaker gates only the scheduler: a handle job for the same plugin runs.
    const handle = cliJson<{ job_id: string }>([
      "run",
      "scripted",
      "--event",
      JSON.stringify({ type: "t", payload: { script: {} } }),
      "--config",
      file,
    ]);
    assert.equal(handle.status, 0, handle.stderr);
    const handled = await d.waitForJob(handle.json.job_id, "succeeded");

    const half = await d.waitFor((l) => /^circuit half-open: circuit of scripted poll/.test(l.message));
    assert.equal(half.level, "info");
    assert.ok(
      d.lines.indexOf(handled) < d.lines.indexOf(half),
      "the handle job ran while the circuit was open",
    );
    assert.equal(d.lines.filter(enqueued("scripted")).length, 3, "nothing scheduled while open");
    const reopened = await d.waitFor((l) =>
      /^circuit opened: circuit of scripted poll: the trial attempt failed/.test(l.message),
    );
    const between = d.lines
      .slice(d.lines.indexOf(half), d.lines.indexOf(reopened))
      .filter(enqueued("scripted"));
    assert.equal(between.length, 1, "exactly one half-open trial poll");
    assert.equal(between[0]?.trial, true);

    const reset = cli(["reset", "scripted", "--config", file]);
    assert.equal(reset.status, 0, reset.stderr);
    assert.match(
      reset.stdout,
      /^closed the poll circuit of scripted \(was (open|half-open) since \S+, 4 consecutive failures\)$/m,
    );
    const closed = await d.waitFor((l) =>
      /^circuit closed: circuit of scripted poll: postern reset$/.test(l.message),
    );
    const resumed = await d.waitFor(
      (l) => enqueued("scripted")(l) && d.lines.indexOf(l) > d.lines.indexOf(closed),
    );
    assert.equal(resumed.trial, false, "closed again: ordinary scheduled polls resume");
    await d.stop();
  });

  it("postern reset: unknown plugin exits 1, a bad --command exits 2", () => {
    const file = config(`  scripted: {}
`);
    const unknown = cli(["reset", "nosuch", "--config", file]);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /plugin "nosuch" is not in /);
    assert.equal(cli(["reset", "scripted", "--command", "bogus", "--config", file]).status, 2);
    const nothing = cli(["reset", "scripted", "--config", file]);
    assert.equal(nothing.status, 0);
    assert.match(nothing.stdout, /^nothing to reset: the circuits of scripted are closed$/m);
  });
});
