/**
 * System events end to end (SPEC §16): the real daemon, a failing fixture plugin and the
 * bundled notify plugin writing to a file, routed with `from: postern` routes.
 */
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { cli, cliJson } from "../helpers/cli.js";
import { DaemonProcess, type LogLine } from "../helpers/daemon.js";
import { fixturePluginsDir, repoRoot } from "../helpers/paths.js";
import { send } from "../http/helpers.js";

/** A plugins directory with the fixture and the bundled notify (which imports ../../dist). */
function setup(extra = "") {
  const dir = mkdtempSync(join(tmpdir(), "postern-alerts-"));
  symlinkSync(join(repoRoot, "dist"), join(dir, "dist"));
  mkdirSync(join(dir, "plugins"));
  cpSync(join(fixturePluginsDir, "scripted"), join(dir, "plugins", "scripted"), { recursive: true });
  cpSync(join(repoRoot, "plugins", "notify"), join(dir, "plugins", "notify"), { recursive: true });
  const alertsFile = join(dir, "alerts.log");
  const plugins = extra === "" ? "" : `${extra}\n`;
  const file = join(dir, "postern.yaml");
  writeFileSync(
    file,
    `service:
  state_dir: ./data
  log_level: debug
plugins_dir: ./plugins
webhooks: { listen: "127.0.0.1:0" }
alerts: { min_interval: 15m }
plugins:
  scripted:
    retry: { max_attempts: 1, backoff_base: 100ms }
    circuit_breaker: { threshold: 2, reset_after: 1h }
  notify:
    config: { file: ${alertsFile} }
${plugins}routes:
  - { from: postern, event_type: postern.job.dead, to: notify }
  - { from: postern, event_type: postern.circuit.opened, to: notify }
  - { from: postern, event_type: postern.circuit.closed, to: notify }
  - { from: postern, event_type: postern.heartbeat.missed, to: notify }
  - { from: postern, event_type: postern.heartbeat.recovered, to: notify }
  - { from: postern, event_type: postern.plugin.unhealthy, to: notify }
`,
  );
  const lines = () => {
    try {
      return readFileSync(alertsFile, "utf8")
        .split("\n")
        .filter((l) => l !== "");
    } catch {
      return [];
    }
  };
  return { file, lines };
}

function run(config: string, script: unknown, plugin = "scripted"): string {
  const r = cliJson<{ job_id?: string }>([
    "run",
    plugin,
    "--event",
    JSON.stringify({ type: "test", payload: { script } }),
    "--config",
    config,
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.json.job_id);
  return r.json.job_id;
}

/** The notify jobs of a system event's log line, once they have all succeeded. */
async function delivered(daemon: DaemonProcess, line: LogLine): Promise<void> {
  const ids = line["new_job_ids"] as string[];
  assert.equal(ids.length, 1, JSON.stringify(line));
  for (const id of ids) await daemon.waitForJob(id, "succeeded");
}

describe("system events, end to end (SPEC §16)", () => {
  const env = setup();
  let daemon: DaemonProcess;

  before(async () => {
    daemon = await DaemonProcess.start(env.file);
  });
  after(async () => {
    await daemon?.stop();
  });

  it("a job that goes dead is reported once through notify; the circuit's opening and closing once each", async () => {
    const first = run(env.file, { exit: 3 });
    await daemon.waitForJob(first, "dead");
    const dead = await daemon.waitFor((l) => l["system_event"] === "postern.job.dead");
    await delivered(daemon, dead);
    assert.equal(env.lines().length, 1);
    assert.match(
      env.lines()[0] ?? "",
      /postern\.job\.dead: scripted handle: 1 job went dead \(exit code 3; after 1 attempt\)/,
    );

    // The second death opens the circuit (threshold 2): one circuit.opened line; the death
    // itself is counted for the next job.dead, not sent (min_interval 15m).
    const second = run(env.file, { exit: 3 });
    await daemon.waitForJob(second, "dead");
    const opened = await daemon.waitFor((l) => l["system_event"] === "postern.circuit.opened");
    await delivered(daemon, opened);

    const fine = run(env.file, {});
    await daemon.waitForJob(fine, "succeeded");
    const closed = await daemon.waitFor((l) => l["system_event"] === "postern.circuit.closed");
    await delivered(daemon, closed);

    const lines = env.lines();
    assert.equal(lines.length, 3, lines.join("\n"));
    assert.match(
      lines[1] ?? "",
      /postern\.circuit\.opened: scripted handle: circuit opened \(2 consecutive failures\)/,
    );
    assert.match(
      lines[2] ?? "",
      /postern\.circuit\.closed: scripted handle: circuit closed \(an attempt succeeded\)/,
    );
    assert.equal(daemon.lines.filter((l) => l["system_event"] === "postern.job.dead").length, 1);
  });
});

describe("rejected webhook deliveries, end to end (SPEC §16, §17)", () => {
  const env = setup();
  let daemon: DaemonProcess;
  let port: number;
  const N = 40;
  const BODY = "body-text-that-must-not-leak";
  const SIGNATURE = "sha256=" + "ab".repeat(32);

  before(async () => {
    writeFileSync(
      env.file,
      readFileSync(env.file, "utf8")
        .replace(
          'webhooks: { listen: "127.0.0.1:0" }',
          [
            "webhooks:",
            '  listen: "127.0.0.1:0"',
            "  endpoints:",
            '    - { path: /hooks/scripted, plugin: scripted, secret: "the-real-secret-value" }',
          ].join("\n"),
        )
        .concat("  - { from: postern, event_type: postern.webhook.rejected, to: notify }\n"),
    );
    daemon = await DaemonProcess.start(env.file);
    port = (await daemon.waitFor((l) => /^listening on http:/.test(l.message))).port as number;
  });
  after(async () => {
    await daemon?.stop();
  });

  it(`${N} badly signed deliveries: exactly one notify line, no body or signature in it; the metric counts all`, async () => {
    for (let i = 0; i < N; i++) {
      const r = await send(port, "/hooks/scripted", {
        body: BODY,
        headers: { "content-type": "application/json", "x-hub-signature-256": SIGNATURE },
      });
      assert.equal(r.status, 403);
    }
    const ev = await daemon.waitFor((l) => l["system_event"] === "postern.webhook.rejected");
    await delivered(daemon, ev);
    const metrics = await send(port, "/metrics", { method: "GET" });
    assert.match(
      metrics.body,
      new RegExp(
        `^postern_webhook_rejected_total\\{path="/hooks/scripted",reason="bad_signature"\\} ${N}$`,
        "m",
      ),
    );
    const w = why(env.file, "scripted");
    assert.deepEqual(
      w.json.alerts.map((a) => a.type),
      ["postern.webhook.rejected"],
    );
    assert.ok(w.json.webhook_rejections.length >= 1, "the refusals written so far");
    assert.deepEqual(
      [...new Set(w.json.webhook_rejections.map((x) => `${x.path} ${x.reason}`))],
      ["/hooks/scripted bad_signature"],
    );
    assert.match(
      w.text,
      /recent alerts:\n {2}\S+ {2}postern\.webhook\.rejected \(to notify\): scripted \/hooks\/scripted: \d+ webhook deliver(y|ies) rejected/,
    );
    assert.match(
      w.text,
      /webhook deliveries refused \(newest last\):\n {2}\S+ {2}\/hooks\/scripted bad_signature from \S*127\.0\.0\.1/,
    );
    // The listener writes what it still holds at stop.
    await daemon.stop();
    const writes = daemon.lines.filter((l) => /recent webhook rejections written/.test(l.message)).length;
    console.log(`webhook.rejected: ${N} refusals, ${writes} write transactions`);
    assert.ok(writes <= 1 + Math.ceil(N / 2), `not a write per refusal: ${writes}`);

    const lines = env.lines();
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(
      lines[0] ?? "",
      /postern\.webhook\.rejected: scripted \/hooks\/scripted: \d+ webhook deliver(y|ies) rejected \(\d+ bad_signature\)/,
    );
    for (const secretish of [BODY, SIGNATURE.slice(7), "the-real-secret-value"]) {
      assert.ok(!lines[0]?.includes(secretish), `the alert carries no ${secretish}`);
      assert.ok(
        !daemon.lines.some((l) => JSON.stringify(l).includes(secretish)),
        `the log carries no ${secretish}`,
      );
    }
    assert.equal(daemon.lines.filter((l) => l["system_event"] === "postern.webhook.rejected").length, 1);

    // Every refusal is in the event sent or in the count carried to the next one.
    const db = new Database(join(env.file, "..", "data", "postern.db"), { readonly: true });
    try {
      const row = db
        .prepare("SELECT payload FROM system_events WHERE type = 'postern.webhook.rejected'")
        .get() as { payload: string };
      const payload = JSON.parse(row.payload) as {
        count: number;
        reasons: Record<string, number>;
        path: string;
      };
      const state = db
        .prepare("SELECT pending FROM alert_state WHERE type = 'postern.webhook.rejected'")
        .get() as { pending: string | null };
      const carried = state.pending === null ? 0 : (JSON.parse(state.pending) as { count: number }).count;
      assert.equal(payload.path, "/hooks/scripted");
      assert.equal(payload.count + carried, N, `${payload.count} sent + ${carried} carried`);
      assert.deepEqual(Object.keys(payload.reasons), ["bad_signature"]);
      assert.ok(!row.payload.includes(BODY) && !(state.pending ?? "").includes(BODY));
    } finally {
      db.close();
    }
  });
});

describe("heartbeats, end to end (SPEC §16)", () => {
  // A second scripted plugin with a 2 s success heartbeat, checked on a 1 s tick.
  const env = setup(["  quiet:", "    expect: { success_within: 2s }"].join("\n"));
  let daemon: DaemonProcess;

  before(async () => {
    cpSync(join(fixturePluginsDir, "scripted"), join(env.file, "..", "plugins", "quiet"), {
      recursive: true,
    });
    writeFileSync(
      join(env.file, "..", "plugins", "quiet", "manifest.yaml"),
      readFileSync(join(env.file, "..", "plugins", "quiet", "manifest.yaml"), "utf8").replace(
        "name: scripted",
        "name: quiet",
      ),
    );
    writeFileSync(
      env.file,
      readFileSync(env.file, "utf8").replace("log_level: debug", "log_level: debug\n  tick_interval: 1s"),
    );
    daemon = await DaemonProcess.start(env.file);
  });
  after(async () => {
    await daemon?.stop();
  });

  it("a plugin without a success for its period is reported missed once, then recovered once", async () => {
    const missed = await daemon.waitFor((l) => l["system_event"] === "postern.heartbeat.missed", 20_000);
    await delivered(daemon, missed);
    const ok = run(env.file, {}, "quiet");
    await daemon.waitForJob(ok, "succeeded");
    const recovered = await daemon.waitFor(
      (l) => l["system_event"] === "postern.heartbeat.recovered",
      20_000,
    );
    await delivered(daemon, recovered);
    const lines = env.lines();
    assert.equal(lines.length, 2, lines.join("\n"));
    assert.match(
      lines[0] ?? "",
      /postern\.heartbeat\.missed: quiet: heartbeat missed \(no job succeeded since it was first loaded \d+s ago \(expected within 2s\)\)/,
    );
    assert.match(
      lines[1] ?? "",
      /postern\.heartbeat\.recovered: quiet: heartbeat recovered \(a job succeeded again; missed for/,
    );
  });
});

describe("postern why, end to end (SPEC §16)", () => {
  // A poll that always fails (due again at once after a failure), with a circuit that opens at the first failure.
  const env = setup(
    [
      "  poller:",
      "    schedule: { every: 1m }",
      "    config: { script: { exit: 3 } }",
      "    retry: { max_attempts: 1 }",
      "    circuit_breaker: { threshold: 1, reset_after: 1h }",
      "    expect: { success_within: 1h }",
    ].join("\n"),
  );
  let daemon: DaemonProcess;

  before(async () => {
    const plugins = join(env.file, "..", "plugins");
    cpSync(join(fixturePluginsDir, "scripted"), join(plugins, "poller"), { recursive: true });
    const manifest = join(plugins, "poller", "manifest.yaml");
    writeFileSync(manifest, readFileSync(manifest, "utf8").replace("name: scripted", "name: poller"));
    writeFileSync(
      env.file,
      readFileSync(env.file, "utf8").replace("log_level: debug", "log_level: debug\n  tick_interval: 1s"),
    );
    daemon = await DaemonProcess.start(env.file);
  });
  after(async () => {
    await daemon?.stop();
  });

  it("explains an open circuit: the skipped polls, the circuit, the alerts and the heartbeat", async () => {
    await daemon.waitFor(
      (l) => l["system_event"] === "postern.circuit.opened" && l["message"].includes("poller"),
    );
    // Two ticks that find the poll due and the circuit open.
    await daemon.waitFor((l) => l["skip"] === "circuit_open");
    const r = cliJson<WhyJson>(["why", "poller", "--json", "--config", env.file]);
    assert.equal(r.status, 0, r.stderr);
    const why = r.json;
    assert.match(why.next_run_reason, /circuit open until/);
    assert.equal(why.runs[0]?.status, "dead");
    assert.equal(why.skips[0]?.kind, "circuit_open");
    assert.ok((why.skips[0]?.count ?? 0) >= 1);
    assert.equal(why.circuits["poll"]?.state, "open");
    assert.deepEqual(
      why.heartbeats.map((h) => [h.kind, h.state]),
      [["success", "ok"]],
    );
    assert.deepEqual(why.alerts.map((a) => a.type).sort(), ["postern.circuit.opened", "postern.job.dead"]);
    const text = cli(["why", "poller", "--config", env.file]);
    assert.equal(text.status, 0, text.stderr);
    console.log(text.stdout);
    assert.match(text.stdout, /^poller: enabled, healthy\nnext run: .*circuit open until/);
    assert.match(
      text.stdout,
      /skipped when due \(newest first\):\n {2}.*circuit_open x\d+: circuit open until/,
    );
    assert.match(text.stdout, /circuits:\n {2}poll: open \(1 consecutive failures, opened /);
  });

  it("refuses a plugin that is not configured, naming the file", () => {
    const r = cli(["why", "nobody", "--config", env.file]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /plugin "nobody" is not in .*postern\.yaml/);
  });
});

/** A copy of the scripted fixture under another name, in the setup's plugins directory. */
function clonePlugin(configFile: string, name: string): void {
  const dir = join(configFile, "..", "plugins", name);
  cpSync(join(fixturePluginsDir, "scripted"), dir, { recursive: true });
  const manifest = join(dir, "manifest.yaml");
  writeFileSync(manifest, readFileSync(manifest, "utf8").replace("name: scripted", `name: ${name}`));
}

const DAY_MS = 86_400_000;

/**
 * Time passing while the daemon is down, without waiting for it: the stored plan (and the last
 * success it counts from) moved back by `ms`, exactly what the scheduler would find had the clock
 * moved forward by `ms` instead. The daemon must be stopped.
 */
function shiftPlan(configFile: string, plugin: string, ms: number): void {
  const db = new Database(join(configFile, "..", "data", "postern.db"));
  const back = (iso: string | null) => (iso === null ? null : new Date(Date.parse(iso) - ms).toISOString());
  try {
    const row = db
      .prepare("SELECT anchor_at, base_at, next_run_at FROM schedules WHERE plugin = ?")
      .get(plugin) as { anchor_at: string | null; base_at: string; next_run_at: string };
    db.prepare("UPDATE schedules SET anchor_at = ?, base_at = ?, next_run_at = ? WHERE plugin = ?").run(
      back(row.anchor_at),
      back(row.base_at),
      back(row.next_run_at),
      plugin,
    );
    const breaker = db
      .prepare("SELECT last_success_at FROM breakers WHERE plugin = ? AND command = 'poll'")
      .get(plugin) as { last_success_at: string | null } | undefined;
    if (breaker !== undefined) {
      db.prepare("UPDATE breakers SET last_success_at = ? WHERE plugin = ? AND command = 'poll'").run(
        back(breaker.last_success_at),
        plugin,
      );
    }
  } finally {
    db.close();
  }
}

/** `postern why` as a person reads it, and as --json; both must exit 0. */
function why(configFile: string, plugin: string): { text: string; json: WhyJson } {
  const text = cli(["why", plugin, "--config", configFile]);
  assert.equal(text.status, 0, text.stderr);
  const r = cliJson<WhyJson>(["why", plugin, "--config", configFile]);
  assert.equal(r.status, 0, r.stderr);
  console.log(`--- postern why ${plugin}\n${text.stdout}`);
  return { text: text.stdout, json: r.json };
}

describe("postern why explains each state, end to end (SPEC §16, §19)", () => {
  // UTC hours: a preferred window that starts 3 h from now, so a run due now is outside it.
  const hour = new Date().getUTCHours();
  const hh = (h: number) => `${String(h % 24).padStart(2, "0")}:00`;
  const env = setup(
    [
      "  steady:",
      "    schedule: { every: 1h }",
      "  guarded:",
      "    schedule: { every: 1h }",
      "    config: { script: { sleep_ms: 10000 } }",
      "  held:",
      "    schedule: { every: 1h }",
      "  late:",
      "    schedule: { every: 1h }",
      "  windowed:",
      `    schedule: { every: 1h, preferred_window: { start: '${hh(hour + 3)}', end: '${hh(hour + 4)}' } }`,
    ].join("\n"),
  );
  let daemon: DaemonProcess;
  const skipped = (plugin: string, kind: string) => (l: LogLine) =>
    l["plugin"] === plugin && l["skip"] === kind;
  const enqueued = (plugin: string) => (l: LogLine) =>
    l["plugin"] === plugin && typeof l["job_id"] === "string" && /^poll enqueued/.test(l.message);

  before(async () => {
    for (const p of ["steady", "guarded", "held", "late", "windowed"]) clonePlugin(env.file, p);
    writeFileSync(
      env.file,
      readFileSync(env.file, "utf8").replace(
        "log_level: debug",
        "log_level: debug\n  tick_interval: 1s\n  timezone: UTC",
      ),
    );
    // Before the daemon starts: a slow CLI poll of guarded (its first scheduled run, due at
    // start, finds it outstanding) and a pause of held.
    assert.equal(cliJson(["run", "guarded", "--config", env.file]).status, 0);
    assert.equal(cli(["pause", "held", "--config", env.file]).status, 0);
    daemon = await DaemonProcess.start(env.file);
  });
  after(async () => {
    await daemon?.stop();
  });

  it("poll guard: the due run waits behind an outstanding poll (a slow one the CLI queued)", async () => {
    await daemon.waitFor(skipped("guarded", "poll_guard"));
    const { text, json } = why(env.file, "guarded");
    assert.match(
      text,
      /skipped when due \(newest first\):\n {2}.*poll_guard x\d+: poll guard: 1 poll outstanding/,
    );
    // The CLI's poll (10 s) is normally still running here; on a loaded machine it may have ended.
    assert.match(text, /last runs:\n {2}\S+ {2}poll {3}(queued|running|succeeded) +\S+ \(cli\)/);
    assert.equal(json.skips[0]?.kind, "poll_guard");
    assert.equal(json.skips[0]?.reason, "poll guard: 1 poll outstanding");
    assert.ok((json.skips[0]?.count ?? 0) >= 1);
  });

  it("normal: the last run succeeded, the next is an interval later, nothing skipped", async () => {
    const polled = await daemon.waitFor(enqueued("steady"));
    await daemon.waitForJob(String(polled["job_id"]), "succeeded");
    // The next run is planned at the tick after the success, not with it.
    await daemon.waitFor(
      (l) =>
        l["plugin"] === "steady" && /^next run of steady planned for \S+ \(poll succeeded\)/.test(l.message),
    );
    const { text, json } = why(env.file, "steady");
    assert.match(
      text,
      /^steady: enabled, healthy\nnext run: \S+ \(in (5\dm\d+s|1h)\): 1h after the last success at \d\d:\d\d:\d\d, jitter \+0s\n/,
    );
    assert.match(text, /last runs:\n {2}\S+ {2}poll {3}succeeded \S+ \(scheduler\)/);
    // The only skips of a healthy plugin: the ticks before its init had answered, at start.
    assert.deepEqual(
      json.skips.filter((k) => k.kind !== "unhealthy"),
      [],
      text,
    );
    assert.match(text, /recent alerts:\n {2}none/);
    assert.equal(json.runs[0]?.status, "succeeded");
    assert.equal(json.paused, null);
  });

  it("paused: the due run is skipped and why says so, with how to resume", async () => {
    await daemon.waitFor(skipped("held", "paused"));
    const { text, json } = why(env.file, "held");
    assert.match(text, /^held: enabled, healthy; PAUSED since \S+ \(postern resume held\)\n/);
    assert.match(text, /\nnext run: no run planned: paused/);
    assert.match(
      text,
      /skipped when due \(newest first\):\n {2}.*paused x\d+: paused \(postern resume to run it again\)/,
    );
    assert.match(text, /last runs:\n {2}none/);
    assert.equal(json.paused?.all, true);
    assert.equal(json.skips[0]?.kind, "paused");
    assert.match(json.next_run_reason, /^paused/);
  });

  it("missed while down and outside the window: the daemon stopped, the schedules passed, a restart explains both", async () => {
    const polled = await daemon.waitFor(enqueued("late"));
    await daemon.waitForJob(String(polled["job_id"]), "succeeded");
    // windowed's first run was planned into its window, 3 h from now: it waits, not skipped.
    const planned = why(env.file, "windowed");
    assert.deepEqual(planned.json.skips, []);
    assert.match(planned.json.next_run_reason, /\(window\)/);
    await daemon.waitFor(enqueued("steady"));
    // The slow CLI poll of guarded ends before the stop, so the stop kills nothing.
    await daemon.waitFor((l) => l["plugin"] === "guarded" && l["job_status"] === "succeeded", 30_000);
    await daemon.stop();

    // A week passes for late (its 1h schedule missed many times over); a day for windowed, so
    // its planned run is yesterday's, due now, but now is outside the window.
    shiftPlan(env.file, "late", 7 * DAY_MS);
    shiftPlan(env.file, "windowed", DAY_MS);
    daemon = await DaemonProcess.start(env.file);

    const rerun = await daemon.waitFor(enqueued("late"));
    await daemon.waitForJob(String(rerun["job_id"]), "succeeded");
    const late = why(env.file, "late");
    assert.match(
      late.text,
      /skipped when due \(newest first\):\n {2}\S+ {2}missed_while_down x1: missed run, 6d2\dh late; ran once as \S+/,
    );
    assert.equal(late.json.skips[0]?.kind, "missed_while_down");
    assert.match(late.json.skips[0]?.reason ?? "", new RegExp(`; ran once as ${String(rerun["job_id"])}$`));
    assert.deepEqual(
      late.json.runs.map((r) => r.status),
      ["succeeded", "succeeded"],
    );

    await daemon.waitFor(skipped("windowed", "window"));
    const win = why(env.file, "windowed");
    // The window's next start: today's, or tomorrow's (with its date) when it is past midnight UTC.
    const windowReason = new RegExp(`^next run (\\d{4}-\\d\\d-\\d\\d )?${hh(hour + 3)} \\(window\\)$`);
    assert.match(win.text, /\nnext run: \S+ \(in [\dhm ]+\): next run .*\(window\)\n/);
    assert.match(win.text, /skipped when due \(newest first\):\n {2}.*window x\d+: next run .*\(window\)/);
    assert.match(win.json.next_run_reason, windowReason);
    assert.equal(win.json.skips[0]?.kind, "window");
    assert.match(win.json.skips[0]?.reason ?? "", windowReason);
    assert.deepEqual(win.json.runs, []);
  });
});

interface WhyJson {
  next_run_reason: string;
  paused: { all: boolean; commands: string[]; since: string } | null;
  runs: { status: string }[];
  skips: { kind: string; reason: string; count: number }[];
  circuits: Record<string, { state: string }>;
  heartbeats: { kind: string; state: string }[];
  alerts: { type: string }[];
  webhook_rejections: { path: string; reason: string; remote: string | null }[];
}

describe("system events survive kill -9 (SPEC §16: same transaction as the cause)", () => {
  it("after a SIGKILL mid-run and a restart, every dead job is reported or counted for the next event", async () => {
    const env = setup();
    const N = 12;
    let daemon = await DaemonProcess.start(env.file);
    const ids: string[] = [];
    // Each job fails after a short sleep, not retried: the kill lands during some attempt or commit.
    for (let i = 0; i < N; i++) ids.push(run(env.file, { exit: 3, sleep_ms: 300 }));
    await daemon.waitForJob(ids[4] ?? "", "dead");
    daemon.child.kill("SIGKILL");
    await daemon.exited;
    const before = daemon;

    daemon = await DaemonProcess.start(env.file);
    // Each job ends dead: before the kill, at recovery (its attempt was in flight), or after.
    const isDead = (id: string) => (l: LogLine) =>
      l["job_id"] === id && (l["job_status"] === "dead" || l["status"] === "dead");
    for (const id of ids) {
      if (before.lines.some(isDead(id))) continue;
      await daemon.waitFor(isDead(id), 30_000);
    }
    await daemon.stop();

    const db = new Database(join(env.file, "..", "data", "postern.db"), { readonly: true });
    try {
      const dead = db.prepare("SELECT id FROM jobs WHERE plugin = 'scripted' AND status = 'dead'").all() as {
        id: string;
      }[];
      assert.equal(dead.length, N, "every job ended dead");
      const sent = db
        .prepare("SELECT payload FROM system_events WHERE type = 'postern.job.dead' AND plugin = 'scripted'")
        .all() as { payload: string }[];
      const pending = db
        .prepare("SELECT pending FROM alert_state WHERE type = 'postern.job.dead' AND plugin = 'scripted'")
        .get() as { pending: string | null } | undefined;
      const carried = sent.reduce((n, e) => n + (JSON.parse(e.payload) as { count: number }).count, 0);
      const waiting = pending?.pending ? (JSON.parse(pending.pending) as { count: number }).count : 0;
      console.log(
        `kill -9: ${N} dead jobs; ${sent.length} events sent carrying ${carried}, ${waiting} pending`,
      );
      assert.equal(sent.length, 1, "min_interval 15m: one event at once");
      assert.equal(carried + waiting, N, "each dead job is in an event or in the pending count");
      const reported = new Set(sent.flatMap((e) => (JSON.parse(e.payload) as { job_ids: string[] }).job_ids));
      const pendingIds: string[] = pending?.pending ? JSON.parse(pending.pending).job_ids : [];
      for (const { id } of dead)
        assert.ok(reported.has(id) || pendingIds.includes(id), `job ${id} unreported`);
    } finally {
      db.close();
    }
  });
});

describe("plugin health, end to end (SPEC §16)", () => {
  const env = setup(["  broken:", "    config: { init_script: { exit: 78 } }"].join("\n"));
  let daemon: DaemonProcess;

  before(async () => {
    const plugins = join(env.file, "..", "plugins");
    cpSync(join(fixturePluginsDir, "scripted"), join(plugins, "broken"), { recursive: true });
    const manifest = join(plugins, "broken", "manifest.yaml");
    writeFileSync(manifest, readFileSync(manifest, "utf8").replace("name: scripted", "name: broken"));
    daemon = await DaemonProcess.start(env.file);
  });
  after(async () => {
    await daemon?.stop();
  });

  it("a failed init raises postern.plugin.unhealthy once, delivered by notify", async () => {
    const unhealthy = await daemon.waitFor((l) => l["system_event"] === "postern.plugin.unhealthy");
    await delivered(daemon, unhealthy);
    const lines = env.lines();
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(lines[0] ?? "", /postern\.plugin\.unhealthy: broken: unhealthy \(init failed: /);
  });
});
