import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { manifestJsonSchema, parseManifest } from "../../src/plugins/manifest.js";

const GOOD = `name: foo
version: "1.0.0"
protocol: 1
entrypoint: run.sh
description: Fetch things
commands: [poll, handle, health, init]
config_keys:
  required: [client_id]
  optional: [token]
`;

function reasonOf(text: string, dir = "foo"): string {
  const r = parseManifest(text, "manifest.yaml", dir);
  assert.equal(r.ok, false, "expected the manifest to be refused");
  return r.ok ? "" : r.reason;
}

describe("parseManifest", () => {
  it("accepts a full manifest", () => {
    const r = parseManifest(GOOD, "manifest.yaml", "foo");
    assert.deepEqual(r, {
      ok: true,
      manifest: {
        name: "foo",
        version: "1.0.0",
        protocol: 1,
        entrypoint: "run.sh",
        description: "Fetch things",
        commands: ["poll", "handle", "health", "init"],
        config_keys: { required: ["client_id"], optional: ["token"] },
      },
    });
  });

  it("defaults description to null and config_keys to empty lists", () => {
    const r = parseManifest(
      "name: foo\nversion: 1.0.0\nprotocol: 1\nentrypoint: run\ncommands: [poll]\n",
      "m",
      "foo",
    );
    assert.ok(r.ok);
    assert.equal(r.manifest.description, null);
    assert.deepEqual(r.manifest.config_keys, { required: [], optional: [] });
  });

  it("refuses a name that differs from the directory name", () => {
    assert.equal(
      reasonOf(GOOD, "bar"),
      'manifest.yaml:1: name: "foo" does not match the directory name "bar" (rename one so they match)',
    );
  });

  it("refuses a name outside the allowed alphabet", () => {
    assert.match(
      reasonOf(GOOD.replace("name: foo", "name: Foo"), "Foo"),
      /^manifest\.yaml:1: name: must start with/,
    );
  });

  it("refuses protocol 2 with the supported protocol named", () => {
    assert.equal(
      reasonOf(GOOD.replace("protocol: 1", "protocol: 2")),
      "protocol 2 is not supported (this core speaks protocol 1)",
    );
  });

  it("checks the protocol before unknown keys a newer protocol may add", () => {
    assert.equal(
      reasonOf(`${GOOD}timeout_hint: 5s\n`.replace("protocol: 1", "protocol: 2")),
      "protocol 2 is not supported (this core speaks protocol 1)",
    );
  });

  it("refuses a non-integer protocol", () => {
    assert.equal(
      reasonOf(GOOD.replace("protocol: 1", 'protocol: "1"')),
      'manifest.yaml:3: protocol: expected an integer, got the string "1"',
    );
  });

  it("refuses invalid YAML with a line", () => {
    assert.match(reasonOf("name: foo\ncommands: [poll\nversion: 1\n"), /^manifest\.yaml:\d+: /);
  });

  it("refuses an unknown key, naming its line and the allowed keys", () => {
    assert.equal(
      reasonOf(`${GOOD}entrypiont: run.sh\n`),
      "manifest.yaml:10: entrypiont: unknown key (allowed: name, version, protocol, entrypoint, description, commands, config_keys)",
    );
  });

  it("refuses an unknown key under config_keys", () => {
    assert.equal(
      reasonOf(GOOD.replace("  optional: [token]", "  optionl: [token]")),
      "manifest.yaml:9: config_keys.optionl: unknown key (allowed: required, optional)",
    );
  });

  it("refuses an unquoted version that YAML reads as a number, asking to quote it", () => {
    assert.equal(
      reasonOf(GOOD.replace('version: "1.0.0"', "version: 1.0")),
      'manifest.yaml:2: version: expected a string, got the number 1.0; YAML reads it as a number, so quote it: version: "1.0"',
    );
  });

  it("names the bad command with its index and line", () => {
    assert.equal(
      reasonOf(GOOD.replace("commands: [poll, handle, health, init]", "commands: [poll, pol]")),
      'manifest.yaml:6: commands.1: expected one of poll, handle, health, init; got "pol"',
    );
  });

  it("refuses duplicate commands", () => {
    assert.equal(
      reasonOf(GOOD.replace("commands: [poll, handle, health, init]", "commands: [poll, handle, poll]")),
      'manifest.yaml:6: commands.2: command "poll" is listed twice',
    );
  });

  it("refuses an empty command list", () => {
    assert.equal(
      reasonOf(GOOD.replace("commands: [poll, handle, health, init]", "commands: []")),
      "manifest.yaml:6: commands: must list at least one entry",
    );
  });

  it("refuses a config key listed as both required and optional", () => {
    assert.equal(
      reasonOf(GOOD.replace("optional: [token]", "optional: [token, client_id]")),
      'manifest.yaml:9: config_keys.optional.1: "client_id" is also listed as required',
    );
  });

  it("reports every problem at once, and a missing key without a line", () => {
    const reason = reasonOf("name: foo\nversion: 1.0.0\nprotocol: 1\ncommands: [poll]\nextra: 1\n");
    assert.equal(
      reason,
      "manifest.yaml: entrypoint: is required; manifest.yaml:5: extra: unknown key (allowed: name, version, protocol, entrypoint, description, commands, config_keys)",
    );
  });

  it("refuses an empty entrypoint", () => {
    assert.equal(
      reasonOf(GOOD.replace("entrypoint: run.sh", 'entrypoint: ""')),
      "manifest.yaml:4: entrypoint: must not be empty",
    );
  });

  it("refuses duplicate keys, several documents, an empty file and a non-mapping", () => {
    assert.match(reasonOf(`${GOOD}name: foo\n`), /^manifest\.yaml:10: Map keys must be unique/);
    assert.match(reasonOf(`${GOOD}---\nname: foo\n`), /multiple documents/);
    assert.match(reasonOf("# nothing\n"), /^manifest\.yaml: is empty/);
    assert.equal(reasonOf("- poll\n"), "manifest.yaml:1: expected a mapping, got a list");
  });

  it("refuses an alias bomb", () => {
    const bomb =
      "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n";
    assert.match(reasonOf(bomb), /alias/i);
  });

  it("treats YAML 1.1 booleans as strings (YAML 1.2)", () => {
    const r = parseManifest(GOOD.replace('version: "1.0.0"', "version: yes"), "manifest.yaml", "foo");
    assert.ok(r.ok);
    assert.equal(r.manifest.version, "yes");
  });
});

describe("manifestJsonSchema", () => {
  it("is strict and requires the mandatory keys", () => {
    const schema = manifestJsonSchema();
    assert.equal(schema["additionalProperties"], false);
    assert.deepEqual(schema["required"], ["name", "version", "protocol", "entrypoint", "commands"]);
    const props = schema["properties"] as Record<string, Record<string, unknown>>;
    assert.equal(props["protocol"]?.["type"], "integer");
    assert.equal(props["commands"]?.["uniqueItems"], true);
  });
});
