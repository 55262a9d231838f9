/**
 * Issue 15 (field trial) through the real daemon: what `status` shows right after a reload,
 * what `reload` says when the daemon lacks a variable the shell has, read commands beside a
 * config that no longer validates, and the reset hint beside an open circuit.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { DaemonProcess } from "../helpers/daemon.js";
import { fixturePluginsDir } from "../helpers/paths.js";
import { cliAsync, type OpsEnv, opsEnv, type StatusJson, startDaemon, status } from "./helpers.js";

const running: DaemonProcess[] = [];
after(async () => {
  await Promise.all(running.map((d) => d.stop()));
});

async function boot(env: OpsEnv) {
  const started = await startDaemon(env);
  running.push(started.daemon);
  return started;
}

const HEADER = `service: { state_dir: ./data, log_level: debug, shutdown_grace: 2s, tick_interval: 1h }
plugins_dir: ${fixturePluginsDir}
webhooks: { listen: "127.0.0.1:0" }
`;

/** Re-runs `probe` until it yields a value (bounded: each try is a CLI run, 100 tries at most). */
async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 100; i += 1) {
    const value = await probe();
    if (value !== undefined) return value;
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe("status right after a reload (issue 15 item 10)", () => {
  it("shows a changed plugin pending while its new init runs, healthy once it succeeded", async () => {
    const env = opsEnv();
    const gate = join(env.dir, "init-gate");
    env.write("plugins:\n  scripted:\n    config: { tag: one }\n", HEADER);
    const { daemon } = await boot(env);
    await daemon.waitFor((l) => l.plugin === "scripted" && /init succeeded/.test(l.message));
    const first = await until("scripted healthy after start", async () => {
      const p = (await status(env.file)).json.plugins.find((x) => x.name === "scripted");
      return p?.healthy === true ? p : undefined;
    });
    assert.equal(first.healthy, true);

    // A changed config: the daemon holds the plugin back until its new init (held on a gate) ran.
    env.write(
      `plugins:\n  scripted:\n    config: { tag: two, init_script: { wait_for_file: ${gate} } }\n`,
      HEADER,
    );
    const reload = await cliAsync(["reload", "--config", env.file]);
    assert.equal(reload.status, 0, reload.stdout + reload.stderr);
    const pending = (await status(env.file)).json.plugins.find((x) => x.name === "scripted");
    assert.equal(pending?.healthy, null, "the stored (old, healthy) init record must not win");
    const human = await cliAsync(["status", "--config", env.file, "--no-health"]);
    assert.match(human.stdout, /scripted\s+loaded \(init pending\)/);

    writeFileSync(gate, "");
    const healthy = await until("scripted healthy after the gated init", async () => {
      const p = (await status(env.file)).json.plugins.find((x) => x.name === "scripted");
      return p?.healthy === true ? p : undefined;
    });
    assert.equal(healthy.healthy, true);
  });
});

describe("reload when only the shell has a variable (issue 15 item 6)", () => {
  it("says the daemon (pid N) lacks it and that a restart is needed, never 'not starting'", async () => {
    const env = opsEnv();
    env.write("plugins:\n  scripted:\n    config: { tag: one }\n", HEADER);
    const { daemon } = await boot(env);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a config-file ${VAR}, not a JS template
    env.write('plugins:\n  scripted:\n    config: { tag: "${POSTERN_ONLY_IN_SHELL}" }\n', HEADER);
    const check = await cliAsync(["config", "check", "--config", env.file], { POSTERN_ONLY_IN_SHELL: "x" });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    const r = await cliAsync(["reload", "--config", env.file], { POSTERN_ONLY_IN_SHELL: "x" });
    const out = r.stdout + r.stderr;
    assert.equal(r.status, 1, out);
    assert.match(out, new RegExp(`reload rejected by daemon ${daemon.pid}`));
    assert.match(
      out,
      new RegExp(`POSTERN_ONLY_IN_SHELL is not set in the daemon's environment \\(pid ${daemon.pid}\\)`),
    );
    assert.match(out, /restart the daemon with POSTERN_ONLY_IN_SHELL set/);
    assert.doesNotMatch(out, /not starting/);
    const logged = await daemon.waitFor((l) => /^reload rejected/.test(l.message));
    assert.doesNotMatch(logged.message, /not starting/);

    const json = await cliAsync(["reload", "--json", "--config", env.file], { POSTERN_ONLY_IN_SHELL: "x" });
    assert.equal(json.status, 1, json.stdout + json.stderr);
    const verdict = JSON.parse(json.stdout) as { ok: boolean; pid: number; errors: { message: string }[] };
    assert.equal(verdict.ok, false);
    assert.equal(verdict.pid, daemon.pid);
    assert.match(
      verdict.errors[0]?.message ?? "",
      /POSTERN_ONLY_IN_SHELL is not set in the daemon's environment/,
    );
  });
});

describe("read commands beside a config they cannot load (issue 15 item 5)", () => {
  const warnedOnce = (stderr: string) => {
    assert.equal(stderr.match(/warning: .* does not validate/g)?.length, 1, stderr);
  };

  it("answer in a shell without one plugin's variable, warning once on stderr", async () => {
    const env = opsEnv();
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a config-file ${VAR}, not a JS template
    env.write('plugins:\n  scripted:\n    config: { tag: "${POSTERN_FT_TOKEN}" }\n', HEADER);
    const withVar = { POSTERN_FT_TOKEN: "t0ken" };
    const daemon = await DaemonProcess.start(env.file, withVar);
    running.push(daemon);
    const run = await cliAsync(["run", "scripted", "--wait", "--json", "--config", env.file], withVar);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const id = (JSON.parse(run.stdout) as { id: string }).id;

    const list = await cliAsync(["jobs", "list", "--json", "--config", env.file]);
    assert.equal(list.status, 0, list.stderr);
    assert.deepEqual(
      (JSON.parse(list.stdout) as { id: string }[]).map((j) => j.id),
      [id],
    );
    warnedOnce(list.stderr);
    assert.match(list.stderr, /POSTERN_FT_TOKEN is not set/);
    assert.match(list.stderr, new RegExp(`answering from the state directory ${join(env.dir, "data")}`));

    const show = await cliAsync(["jobs", "show", id, "--config", env.file]);
    assert.equal(show.status, 0, show.stderr);
    assert.match(show.stdout, /succeeded/);
    warnedOnce(show.stderr);
    for (const args of [["queue"], ["logs", "scripted"], ["state", "get", "scripted"]]) {
      const r = await cliAsync([...args, "--config", env.file]);
      assert.equal(r.status, 0, `${args.join(" ")}: ${r.stderr}`);
      warnedOnce(r.stderr);
    }
    // Writes still need the whole config: they act on a plugin's settings.
    const write = await cliAsync(["run", "scripted", "--config", env.file]);
    assert.equal(write.status, 1);
    assert.match(write.stderr, /POSTERN_FT_TOKEN is not set/);
  });

  it("answer after a rejected reload, while the daemon runs on its old config", async () => {
    const env = opsEnv();
    env.write("plugins:\n  scripted:\n    config: { tag: one }\n", HEADER);
    const { daemon } = await boot(env);
    const run = await cliAsync(["run", "scripted", "--wait", "--json", "--config", env.file]);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const id = (JSON.parse(run.stdout) as { id: string }).id;
    env.write("plugins:\n  scripted:\n    schedule: { every: often }\n", HEADER);
    const mark = daemon.lines.length;
    process.kill(daemon.pid, "SIGHUP");
    await daemon.waitFor((l) => daemon.lines.indexOf(l) >= mark && /^reload rejected/.test(l.message));

    const st = await cliAsync(["status", "--json", "--config", env.file]);
    assert.equal(st.status, 0, st.stderr);
    warnedOnce(st.stderr);
    assert.match(st.stderr, /every/);
    const report = JSON.parse(st.stdout) as StatusJson;
    assert.equal(report.daemon.running, true);
    assert.equal(report.daemon.pid, daemon.pid);
    const scripted = report.plugins.find((p) => p.name === "scripted");
    assert.equal(scripted?.healthy, true, "the daemon's live set: it still runs scripted");
    const human = await cliAsync(["status", "--config", env.file]);
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stdout, /daemon\s+running/);

    const list = await cliAsync(["jobs", "list", "--json", "--config", env.file]);
    assert.equal(list.status, 0, list.stderr);
    assert.ok((JSON.parse(list.stdout) as { id: string }[]).some((j) => j.id === id));
    warnedOnce(list.stderr);
  });
});

describe("an open circuit says how to close it (issue 15 item 9)", () => {
  it("run --wait, status and the dashboard print `postern reset PLUGIN --command C`", async () => {
    const env = opsEnv();
    env.write(
      `plugins:
  scripted:
    config: { script: { response: { status: "error", error: "still developing", retryable: false } } }
    retry: { max_attempts: 1 }
    circuit_breaker: { threshold: 2 }
`,
      HEADER,
    );
    const { port } = await boot(env);
    const first = await cliAsync(["run", "scripted", "--wait", "--config", env.file]);
    assert.equal(first.status, 1);
    assert.doesNotMatch(first.stderr, /postern reset/, "one failure: the circuit is still closed");
    const second = await cliAsync(["run", "scripted", "--wait", "--config", env.file]);
    assert.equal(second.status, 1);
    assert.match(
      second.stderr,
      /the poll circuit of scripted is open after 2 failures in a row \(failures of jobs run from the CLI count too\); no scheduled polls run until it closes\. Close it now: postern reset scripted --command poll/,
    );

    const st = await cliAsync(["status", "--no-health", "--config", env.file]);
    assert.match(
      st.stdout,
      /scripted: poll circuit open after 2 failures in a row; close it now: postern reset scripted --command poll/,
    );
    const overview = await fetch(`http://127.0.0.1:${port}/`);
    assert.match(await overview.text(), /<code>postern reset scripted --command poll<\/code>/);
    const plugins = await fetch(`http://127.0.0.1:${port}/plugins`);
    assert.match(await plugins.text(), /postern reset scripted --command poll/);

    const reset = await cliAsync(["reset", "scripted", "--config", env.file]);
    assert.equal(reset.status, 0, reset.stderr);
    const after = await cliAsync(["status", "--no-health", "--config", env.file]);
    assert.doesNotMatch(after.stdout, /postern reset/);
  });
});
