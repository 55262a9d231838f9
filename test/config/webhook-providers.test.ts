// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} in plain strings is the config syntax under test.
/** Endpoint `provider`, `tolerance`, secret lists and `secret_file` (SPEC §17). */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config/index.js";
import { cli, cliJson } from "../helpers/cli.js";
import { fixturePluginsDir } from "../helpers/paths.js";
import { configOf, errorsOf, problemAt, show, TWO_PLUGINS, writeConfig, yaml } from "./helpers.js";

const endpoint = (fields: string) =>
  yaml(...TWO_PLUGINS, "webhooks:", "  endpoints:", `    - { path: /h, plugin: a, ${fields} }`);
const VALID = "github, gitea, gitlab, stripe, slack, shopify, standard, hmac";
const STD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

describe("config: webhook providers", () => {
  it("provider fixes the header, the dedupe header and the tolerance; hmac stays the default", () => {
    const plain = configOf(endpoint("secret: s")).webhooks.endpoints[0];
    assert.equal(plain?.provider, "hmac");
    assert.equal(plain?.signature_header, "X-Hub-Signature-256");
    assert.equal(plain?.dedupe_header, null);
    const expected: Record<string, [string, string | null]> = {
      github: ["X-Hub-Signature-256", "X-GitHub-Delivery"],
      gitea: ["X-Gitea-Signature", "X-Gitea-Delivery"],
      gitlab: ["X-Gitlab-Token", "X-Gitlab-Event-UUID"],
      stripe: ["Stripe-Signature", null],
      slack: ["X-Slack-Signature", null],
      shopify: ["X-Shopify-Hmac-Sha256", "X-Shopify-Webhook-Id"],
      standard: ["webhook-signature", "webhook-id"],
    };
    for (const [provider, [header, dedupe]] of Object.entries(expected)) {
      const secret = provider === "standard" ? STD_SECRET : "s";
      const e = configOf(endpoint(`provider: ${provider}, secret: ${secret}`)).webhooks.endpoints[0];
      assert.deepEqual(
        [e?.signature_header, e?.dedupe_header, e?.tolerance],
        [header, dedupe, 300_000],
        provider,
      );
    }
  });

  it("an explicit dedupe_header wins over the provider's; tolerance is read where it applies", () => {
    const e = configOf(endpoint("provider: github, secret: s, dedupe_header: X-Other")).webhooks.endpoints[0];
    assert.equal(e?.dedupe_header, "X-Other");
    const s = configOf(endpoint("provider: stripe, secret: s, tolerance: 90s")).webhooks.endpoints[0];
    assert.equal(s?.tolerance, 90_000);
  });

  it("an unknown provider is an error listing the valid values", () => {
    const p = problemAt(
      errorsOf(endpoint("provider: bitbucket, secret: s")),
      "webhooks.endpoints.0.provider",
    );
    for (const name of VALID.split(", ")) assert.match(p.message, new RegExp(`"${name}"`));
    assert.match(p.message, /bitbucket/);
  });

  it("signature_header on a preset, tolerance on a provider without a timestamp: errors naming where they are valid", () => {
    const sig = problemAt(
      errorsOf(endpoint("provider: stripe, secret: s, signature_header: X-Sig")),
      "webhooks.endpoints.0.signature_header",
    );
    assert.match(
      sig.message,
      /valid only with provider: hmac; provider stripe always reads Stripe-Signature/,
    );
    for (const provider of ["github", "gitea", "gitlab", "shopify", "hmac"]) {
      const tol = problemAt(
        errorsOf(endpoint(`provider: ${provider}, secret: s, tolerance: 1m`)),
        "webhooks.endpoints.0.tolerance",
      );
      assert.match(
        tol.message,
        /valid only with a provider that signs a timestamp \(stripe, slack, standard\)/,
        provider,
      );
    }
    problemAt(
      errorsOf(endpoint("provider: slack, secret: s, tolerance: 0s")),
      "webhooks.endpoints.0.tolerance",
    );
  });

  it("a standard secret that is not whsec_ + base64 is an error that does not quote it", () => {
    for (const bad of ["whsec_not-base64!", "whsec_", "whsec_abc"]) {
      const errors = errorsOf(endpoint(`provider: standard, secret: "${bad}"`));
      const p = problemAt(errors, "webhooks.endpoints.0.secret");
      assert.match(p.message, /not valid base64/);
      assert.ok(bad === "whsec_" || !show(errors).includes(bad.slice(6)), show(errors));
    }
    const inList = errorsOf(endpoint(`provider: standard, secret: [${STD_SECRET}, "whsec_%%"]`));
    assert.match(problemAt(inList, "webhooks.endpoints.0.secret.1").message, /not valid base64/);
  });

  it("secret may be a list (rotation); secrets stays accepted; giving two of them is an error", () => {
    assert.deepEqual(configOf(endpoint("secret: [new, old]")).webhooks.endpoints[0]?.secrets, ["new", "old"]);
    assert.deepEqual(configOf(endpoint("secrets: [new, old]")).webhooks.endpoints[0]?.secrets, [
      "new",
      "old",
    ]);
    problemAt(errorsOf(endpoint("secret: []")), "webhooks.endpoints.0.secret");
    problemAt(errorsOf(endpoint('secret: [a, ""]')), "webhooks.endpoints.0.secret.1");
    const errors = errorsOf(endpoint("secret: a, secret_file: /nonexistent/x"));
    const two = errors.find(
      (e) => e.path === "webhooks.endpoints.0.secret_file" && /only one of/.test(e.message),
    );
    assert.ok(two, show(errors));
    assert.match(two.message, /only one of `secret`, `secrets` and `secret_file`/);
  });
});

describe("config: secret_file", () => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "postern-secret-file-")));
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  const secretFile = (name: string, content: string | Buffer, mode = 0o600) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    fs.chmodSync(file, mode);
    return file;
  };

  it("reads the file, strips one trailing newline, and interpolates ${CREDENTIALS_DIRECTORY}", () => {
    secretFile("github", "s3cret\n");
    secretFile("two", "keep\n\n");
    const text = endpoint('secret_file: "${CREDENTIALS_DIRECTORY}/github"');
    const result = loadConfig(writeConfig(text), { CREDENTIALS_DIRECTORY: dir });
    assert.ok(result.ok, result.ok ? "" : show(result.errors));
    assert.deepEqual(result.config.webhooks.endpoints[0]?.secrets, ["s3cret"]);
    assert.deepEqual(result.warnings, []);
    const list = configOf(endpoint(`secret_file: [${dir}/github, ${dir}/two]`)).webhooks.endpoints[0];
    assert.deepEqual(list?.secrets, ["s3cret", "keep\n"]);
  });

  it("a relative path is relative to the config file's directory", () => {
    const file = writeConfig(endpoint("secret_file: ./creds/hook"));
    fs.mkdirSync(path.join(path.dirname(file), "creds"));
    fs.writeFileSync(path.join(path.dirname(file), "creds/hook"), "rel\n", { mode: 0o600 });
    const result = loadConfig(file, {});
    assert.ok(result.ok, result.ok ? "" : show(result.errors));
    assert.deepEqual(result.config.webhooks.endpoints[0]?.secrets, ["rel"]);
  });

  it("missing, empty, unreadable, directory: config errors naming the file, never its content", () => {
    const empty = secretFile("empty", "\n");
    const cases: [string, RegExp][] = [
      [path.join(dir, "absent"), /absent does not exist/],
      [empty, /empty is empty/],
      [dir, /is not a regular file/],
    ];
    if (process.getuid?.() !== 0)
      cases.push([secretFile("locked", "hidden-value", 0o000), /locked cannot be read: permission denied/]);
    for (const [file, message] of cases) {
      const errors = errorsOf(endpoint(`secret_file: ${file}`));
      const p = problemAt(errors, "webhooks.endpoints.0.secret_file");
      assert.match(p.message, message);
      assert.ok(p.message.includes(file), p.message);
      assert.ok(!show(errors).includes("hidden-value"));
    }
    const inList = errorsOf(endpoint(`secret_file: [${secretFile("ok", "x")}, ${path.join(dir, "gone")}]`));
    problemAt(inList, "webhooks.endpoints.0.secret_file.1");
  });

  it("a world-readable file loads with a warning naming it, not its content", () => {
    const file = secretFile("open", "visible-secret\n", 0o644);
    const result = loadConfig(writeConfig(endpoint(`secret_file: ${file}`)), {});
    assert.ok(result.ok, result.ok ? "" : show(result.errors));
    assert.equal(result.warnings.length, 1);
    assert.equal(result.warnings[0]?.path, "webhooks.endpoints.0.secret_file");
    assert.match(result.warnings[0]?.message ?? "", /readable by every user.*chmod o-r/);
    assert.ok(!JSON.stringify(result.warnings).includes("visible-secret"));
  });

  it("postern config check prints the warning (and --json has it beside errors), exit 0", () => {
    const file = secretFile("open-cli", "cli-visible-secret\n", 0o644);
    const config = writeConfig(
      yaml(
        `plugins_dir: ${fixturePluginsDir}`,
        "plugins:",
        "  ok: {}",
        "webhooks:",
        "  endpoints:",
        `    - { path: /h, plugin: ok, secret_file: ${file} }`,
      ),
    );
    const json = cliJson<{ ok: boolean; errors: unknown[]; warnings?: { path: string; message: string }[] }>([
      "config",
      "check",
      "--config",
      config,
    ]);
    assert.equal(json.status, 0);
    assert.equal(json.json.ok, true);
    assert.equal(json.json.warnings?.[0]?.path, "webhooks.endpoints.0.secret_file");
    const text = cli(["config", "check", "--config", config]);
    assert.match(text.stdout, /^warning: .*open-cli is readable by every user/m);
    assert.ok(
      !text.stdout.includes("cli-visible-secret") &&
        !JSON.stringify(json.json).includes("cli-visible-secret"),
    );
  });

  it("a standard secret from a file is checked like one written inline", () => {
    const file = secretFile("std", "whsec_not base64\n");
    const p = problemAt(
      errorsOf(endpoint(`provider: standard, secret_file: ${file}`)),
      "webhooks.endpoints.0.secret_file",
    );
    assert.match(p.message, /not valid base64/);
    assert.ok(!p.message.includes("not base64"));
  });
});
