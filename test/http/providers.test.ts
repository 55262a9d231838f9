// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} in plain strings is the config syntax under test.
/**
 * SPEC §17 end to end: one endpoint per provider on the real daemon, real HTTP. A delivery
 * signed as the sender signs it is queued; a bad one is 403 with an empty body, counted in
 * /metrics by endpoint and reason and listed in `postern status` (no body); the matching
 * secret's index is counted; Slack's url_verification is answered with its challenge, no job.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { PROVIDER_NAMES, type ProviderName } from "../../src/core/webhook-verify/index.js";
import { cli, cliJson } from "../helpers/cli.js";
import { DaemonProcess } from "../helpers/daemon.js";
import { fixturePluginsDir } from "../helpers/paths.js";
import { PROVIDER_SECRETS, SIGNERS } from "../helpers/webhook-signers.js";
import { send } from "./helpers.js";

const OLD = "the old secret";

/** A config in `dir` with the webhook-recorder plugin and these endpoint lines. */
function recorderConfig(dir: string, endpoints: string[]): string {
  const config = join(dir, "postern.yaml");
  mkdirSync(join(dir, "out"));
  writeFileSync(
    config,
    [
      "service: { state_dir: ./data, log_level: debug, shutdown_grace: 2s }",
      `plugins_dir: ${fixturePluginsDir}`,
      "plugins:",
      `  webhook-recorder: { config: { out_dir: ${join(dir, "out")} } }`,
      "webhooks:",
      "  listen: 127.0.0.1:0",
      "  endpoints:",
      ...endpoints,
      "",
    ].join("\n"),
  );
  return config;
}

interface Rejection {
  at: string;
  path: string;
  reason: string;
  remote: string | null;
}

describe("webhook providers, end to end", () => {
  let daemon: DaemonProcess;
  let port: number;
  let config: string;

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), "postern-providers-"));
    const endpoints = PROVIDER_NAMES.map(
      (p) =>
        `    - { path: /hook/${p}, plugin: webhook-recorder, provider: ${p}, secret: [${JSON.stringify(PROVIDER_SECRETS[p])}${p === "standard" ? "" : `, ${JSON.stringify(OLD)}`}] }`,
    );
    config = recorderConfig(dir, endpoints);
    daemon = await DaemonProcess.start(config);
    port = (await daemon.waitFor((l) => /^listening on http:/.test(l.message))).port as number;
  });
  after(async () => {
    await daemon?.stop();
  });

  const body = Buffer.from(JSON.stringify({ hello: "world" }));
  const post = (p: ProviderName, headers: Record<string, string>, payload = body) =>
    send(port, `/hook/${p}`, { body: payload, headers: { "content-type": "application/json", ...headers } });
  const now = () => Math.floor(Date.now() / 1000);

  for (const p of PROVIDER_NAMES) {
    it(`${p}: signed as the sender signs → 202; forged, stale or missing → 403 with an empty body`, async () => {
      const ok = await post(p, SIGNERS[p](PROVIDER_SECRETS[p], body, now()));
      assert.equal(ok.status, 202, ok.body);
      const forged = await post(p, SIGNERS[p]("not the secret", body, now()));
      assert.deepEqual([forged.status, forged.body], [403, ""]);
      const missing = await post(p, {});
      assert.deepEqual([missing.status, missing.body], [403, ""]);
      if (p === "stripe" || p === "slack" || p === "standard") {
        const stale = await post(p, SIGNERS[p](PROVIDER_SECRETS[p], body, now() - 301));
        assert.deepEqual([stale.status, stale.body], [403, ""]);
      }
    });
  }

  it("the old secret of a rotation is accepted and counted by its index", async () => {
    const r = await post("github", SIGNERS.github(OLD, body, now()));
    assert.equal(r.status, 202, r.body);
    const metrics = (await send(port, "/metrics", { method: "GET" })).body;
    assert.match(metrics, /^postern_webhook_secret_matched_total\{path="\/hook\/github",index="1"\} 1$/m);
    assert.match(metrics, /^postern_webhook_secret_matched_total\{path="\/hook\/github",index="0"\} 1$/m);
    assert.ok(!metrics.includes(OLD) && !metrics.includes(PROVIDER_SECRETS.github), "no secret in /metrics");
  });

  it("refusals are counted per endpoint and reason in /metrics", async () => {
    const metrics = (await send(port, "/metrics", { method: "GET" })).body;
    for (const p of PROVIDER_NAMES) {
      assert.match(
        metrics,
        new RegExp(`^postern_webhook_rejected_total\\{path="/hook/${p}",reason="missing_header"\\} 1$`, "m"),
        p,
      );
      assert.match(
        metrics,
        new RegExp(
          `^postern_webhook_rejected_total\\{path="/hook/${p}",reason="bad_signature"\\} \\d+$`,
          "m",
        ),
        p,
      );
    }
    for (const p of ["stripe", "slack", "standard"])
      assert.match(
        metrics,
        new RegExp(`^postern_webhook_rejected_total\\{path="/hook/${p}",reason="stale_timestamp"\\} 1$`, "m"),
        p,
      );
  });

  it("gitlab's token and every signature header stay out of the event the plugin receives", async () => {
    const r = await post("gitlab", {
      ...SIGNERS.gitlab(PROVIDER_SECRETS.gitlab, body, now()),
      "x-gitlab-event-uuid": "u-1",
    });
    assert.equal(r.status, 202);
    const jobId = (JSON.parse(r.body) as { job_id: string }).job_id;
    const line = await daemon.waitForJob(jobId, "succeeded");
    assert.ok(line);
    const shown = cliJson<{ payload: { webhook: { headers: Record<string, string> } }; dedupe_key: string }>([
      "jobs",
      "show",
      jobId,
      "--config",
      config,
    ]);
    const headers = shown.json.payload.webhook.headers;
    assert.equal(headers["x-gitlab-token"], undefined);
    assert.equal(headers["x-gitlab-event-uuid"], "u-1");
    assert.equal(
      shown.json.dedupe_key,
      "webhook:/hook/gitlab:u-1",
      "the provider's dedupe header by default",
    );
  });

  it("slack url_verification: answered with the challenge after verification, and no job", async () => {
    const challenge = Buffer.from(
      JSON.stringify({
        type: "url_verification",
        token: "t",
        challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
      }),
    );
    const before = daemon.lines.filter((l) => /webhook accepted as job/.test(l.message)).length;
    const r = await post("slack", SIGNERS.slack(PROVIDER_SECRETS.slack, challenge, now()), challenge);
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), {
      challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
    });
    const forged = await post("slack", SIGNERS.slack("wrong", challenge, now()), challenge);
    assert.deepEqual([forged.status, forged.body], [403, ""], "no challenge without a valid signature");
    assert.equal(daemon.lines.filter((l) => /webhook accepted as job/.test(l.message)).length, before);
  });

  it("postern status lists the last refusals for the endpoint's plugin: time, path, reason, address, no body", async () => {
    const from = daemon.lines.length;
    const forged = await post(
      "shopify",
      SIGNERS.shopify("nope", Buffer.from("secret-body-text"), now()),
      Buffer.from("secret-body-text"),
    );
    assert.equal(forged.status, 403);
    // The list is written at most once a second: wait for the write that holds this refusal.
    await daemon.waitFor(
      (l) => daemon.lines.indexOf(l) >= from && /recent webhook rejections written/.test(l.message),
    );
    const r = cliJson<{ plugins: { name: string; webhook_rejections: Rejection[] }[] }>([
      "status",
      "--no-health",
      "--config",
      config,
    ]);
    const list = r.json.plugins.find((p) => p.name === "webhook-recorder")?.webhook_rejections ?? [];
    assert.ok(list.length > 0 && list.length <= 10, `bounded: ${list.length}`);
    const last = list.at(-1);
    assert.equal(last?.path, "/hook/shopify");
    assert.equal(last?.reason, "bad_signature");
    assert.match(last?.remote ?? "", /127\.0\.0\.1/);
    assert.ok(!Number.isNaN(Date.parse(last?.at ?? "")));
    const text = cli(["status", "--no-health", "--config", config]);
    assert.match(text.stdout, /webhook-recorder: last \d+ webhook deliveries refused/);
    assert.match(text.stdout, /\/hook\/shopify bad_signature from 127\.0\.0\.1/);
    assert.ok(!text.stdout.includes("secret-body-text"));
  });
});

describe("secret_file, end to end: read at start and at every reload", () => {
  it("a reload picks up the rotated file; a world-readable file is logged as a WARN naming it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "postern-secret-file-"));
    const secretFile = join(dir, "github.secret");
    writeFileSync(secretFile, "first secret\n", { mode: 0o600 });
    const config = recorderConfig(dir, [
      '    - { path: /hook/gh, plugin: webhook-recorder, provider: github, secret_file: "${CREDENTIALS_DIRECTORY}/github.secret" }',
    ]);
    const daemon = await DaemonProcess.start(config, { CREDENTIALS_DIRECTORY: dir });
    try {
      const port = (await daemon.waitFor((l) => /^listening on http:/.test(l.message))).port as number;
      const body = Buffer.from("{}");
      const post = (secret: string) =>
        send(port, "/hook/gh", {
          body,
          headers: { "content-type": "application/json", ...SIGNERS.github(secret, body, 0) },
        });
      assert.equal((await post("first secret")).status, 202);
      assert.equal((await post("second secret")).status, 403);

      writeFileSync(secretFile, "second secret\n", { mode: 0o644 });
      chmodSync(secretFile, 0o644);
      process.kill(daemon.pid, "SIGHUP");
      const warn = await daemon.waitFor(
        (l) => l.level === "warn" && /readable by every user/.test(l.message),
      );
      assert.match(warn.message, /github\.secret/);
      assert.ok(!JSON.stringify(daemon.lines).includes("second secret"), "the secret is never logged");
      await daemon.waitFor((l) => /^reload applied/.test(l.message));
      assert.equal((await post("second secret")).status, 202);
      assert.equal((await post("first secret")).status, 403);
    } finally {
      await daemon.stop();
    }
  });
});
