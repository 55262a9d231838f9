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
    const r = cliJson<WhyJson>(["why", "scripted", "--json", "--config", env.file]);
    assert.deepEqual(
      r.json.alerts.map((a) => a.type),
      ["postern.webhook.rejected"],
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

interface WhyJson {
  next_run_reason: string;
  runs: { status: string }[];
  skips: { kind: string; count: number }[];
  circuits: Record<string, { state: string }>;
  heartbeats: { kind: string; state: string }[];
  alerts: { type: string }[];
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
