import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { YAML_PARSE_OPTIONS } from "../../src/config/yaml-source.js";
import { configOf, errorsOf, problemAt, show, yaml } from "./helpers.js";

describe("loadConfig: YAML reading", () => {
  it("reports a syntax error with its line", () => {
    const errors = errorsOf(yaml("service:", "  name: x", "plugins: [a, b", "routes: []"));
    assert.ok(errors.length >= 1);
    assert.ok(errors.every((e) => e.path === "" && e.line !== null));
    assert.match(errors[0]?.message ?? "", /^YAML syntax error: /);
    assert.ok(
      errors.some((e) => e.line === 3 || e.line === 4),
      show(errors),
    );
  });

  it("reports a tab used as indentation", () => {
    const errors = errorsOf("service:\n\tname: x\n");
    assert.equal(errors[0]?.line, 2, show(errors));
  });

  it("reports duplicate keys with the path and both lines", () => {
    const errors = errorsOf(yaml("service:", "  name: a", "  log_level: info", "  name: b"));
    const problem = problemAt(errors, "service.name");
    assert.equal(problem.line, 4);
    assert.equal(problem.message, 'duplicate key "name" (first at line 2)');
  });

  it("reports duplicate keys at the top level and inside plugins in the same run", () => {
    const errors = errorsOf(
      yaml("plugins:", "  a: {}", "  a: { enabled: false }", "routes: []", "routes: []"),
    );
    assert.equal(problemAt(errors, "plugins.a").line, 3);
    assert.equal(problemAt(errors, "routes").line, 5);
  });

  it("leaves duplicate keys to Postern's one-pass check, not the yaml library's quadratic one", () => {
    // Issue 22: the library's uniqueKeys compares every key with every other (50k keys: 16 s;
    // timings are in bench/config-parse.mjs). Turning it back on would also report each
    // duplicate a second time, as a fatal syntax error, which the assertion below catches.
    assert.equal(YAML_PARSE_OPTIONS.uniqueKeys, false);
    const keys = Array.from({ length: 200 }, (_, i) => `      k${i}: ${i}`);
    const errors = errorsOf(
      yaml("plugins:", "  a:", "    config:", ...keys, "      k7: again", "      k150: again"),
    );
    assert.deepEqual(
      errors.map((e) => [e.path, e.line, e.message]),
      [
        ["plugins.a.config.k7", 204, 'duplicate key "k7" (first at line 11)'],
        ["plugins.a.config.k150", 205, 'duplicate key "k150" (first at line 154)'],
      ],
    );
  });

  it("refuses an empty file, a comment-only file and a bare document marker", () => {
    for (const text of ["", "\n\n", "# nothing here\n", "---\n", "~\n"]) {
      const errors = errorsOf(text);
      assert.deepEqual(
        errors.map((e) => e.message),
        ["the config file is empty"],
        JSON.stringify(text),
      );
    }
  });

  it("refuses two documents in one file, naming the line of the second", () => {
    const errors = errorsOf(yaml("service: { name: a }", "---", "service: { name: b }"));
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.line, 2);
    assert.match(errors[0]?.message ?? "", /found 2 YAML documents; a config file holds exactly one/);
  });

  it("refuses an alias bomb (billion laughs) quickly", () => {
    const levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
    for (let i = 1; i < 9; i += 1) {
      const name = String.fromCharCode(97 + i);
      const prev = String.fromCharCode(96 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`);
    }
    const started = performance.now();
    const errors = errorsOf(yaml(...levels));
    // Generous bound: this only guards against expanding 9^9 nodes, which takes minutes or
    // runs out of memory. It is not a performance measurement.
    assert.ok(performance.now() - started < 5000);
    assert.equal(errors.length, 1);
    assert.match(errors[0]?.message ?? "", /alias bomb/);
    assert.equal(errors[0]?.line, 2, "line of the first alias");
  });

  it("still accepts a few ordinary aliases (sharing one block)", () => {
    const config = configOf(
      yaml(
        "plugins:",
        "  a: { retry: &fast { max_attempts: 2, backoff_base: 1s } }",
        "  b: { retry: *fast }",
        "  c: { retry: *fast }",
      ),
    );
    assert.deepEqual(config.plugins["c"]?.retry, { max_attempts: 2, backoff_base: 1000 });
  });

  it("refuses a recursive alias instead of looping", () => {
    const errors = errorsOf(yaml("plugins:", "  a:", "    config: &loop { self: *loop }"));
    assert.match(problemAt(errors, "plugins.a.config.self").message, /recursive alias/);
  });

  it("refuses an alias to an undefined anchor", () => {
    const errors = errorsOf(yaml("plugins:", "  a: *nothing"));
    assert.equal(errors.length, 1);
    assert.match(errors[0]?.message ?? "", /nothing|alias/i);
  });

  it("keeps YAML 1.2 semantics even with a %YAML 1.1 directive (refused)", () => {
    const errors = errorsOf(yaml("%YAML 1.1", "---", "plugins: { a: { enabled: no } }"));
    assert.match(errors.map((e) => e.message).join("\n"), /only YAML 1.2 is supported/);
  });

  it("refuses tags such as !!binary and custom tags (only plain JSON data)", () => {
    const errors = errorsOf(
      yaml("plugins:", "  a:", "    config:", "      blob: !!binary aGVsbG8=", "      x: !env HOME"),
    );
    assert.deepEqual(
      errors.map((e) => e.line),
      [4, 5],
      show(errors),
    );
    assert.match(errors[0]?.message ?? "", /Unresolved tag/);
  });

  it("refuses non-scalar keys", () => {
    const errors = errorsOf(yaml("plugins:", "  ? [a, b]", "  : {}"));
    assert.ok(errors.length >= 1 && errors[0]?.line !== null, show(errors));
  });

  it("refuses a top level that is not a mapping", () => {
    const errors = errorsOf(yaml("- a", "- b"));
    assert.deepEqual(
      errors.map((e) => [e.path, e.line, e.message]),
      [["", 1, "expected a mapping; got a list"]],
    );
  });

  it("refuses a YAML merge key with a hint", () => {
    const errors = errorsOf(yaml("plugins:", "  a: &base { enabled: true }", "  b:", "    <<: *base"));
    assert.match(problemAt(errors, "plugins.b.<<").message, /merge keys are not supported/);
  });

  it("refuses a __proto__ key instead of dropping it", () => {
    const errors = errorsOf(yaml("plugins:", "  a:", "    config:", "      __proto__: { polluted: true }"));
    assert.equal(problemAt(errors, "plugins.a.config.__proto__").line, 4);
    assert.equal(({} as Record<string, unknown>)["polluted"], undefined);
  });
});

describe("loadConfig: the Norway problem", () => {
  it("refuses `enabled: no` (a string in YAML 1.2) with a hint", () => {
    const errors = errorsOf(yaml("plugins:", "  a:", "    enabled: no"));
    const problem = problemAt(errors, "plugins.a.enabled");
    assert.equal(problem.line, 3);
    assert.equal(
      problem.message,
      'expected true or false; got "no" (YAML 1.2 reads yes/no/on/off as strings; write true or false)',
    );
  });

  it("refuses yes/on/off/1 for booleans too", () => {
    for (const value of ["yes", "on", "off", "1", '"true"']) {
      const errors = errorsOf(yaml("plugins:", `  a: { enabled: ${value} }`));
      assert.equal(errors.length, 1, value);
      assert.equal(errors[0]?.path, "plugins.a.enabled");
    }
  });

  it("accepts true/false (also True/FALSE, YAML 1.2 core schema)", () => {
    const config = configOf(
      yaml("plugins:", "  a: { enabled: false }", "  b: { enabled: True }", "  c: { enabled: FALSE }"),
    );
    assert.deepEqual(
      Object.values(config.plugins).map((p) => p.enabled),
      [false, true, false],
    );
  });

  it("keeps `no` as the string it is where a string is expected", () => {
    const config = configOf(
      yaml(
        "service:",
        "  name: no",
        "plugins:",
        "  a:",
        "    config: { country: NO, answer: no }",
        "    env: { FLAG: off }",
      ),
    );
    assert.equal(config.service.name, "no");
    assert.deepEqual(config.plugins["a"]?.config, { country: "NO", answer: "no" });
    assert.deepEqual(config.plugins["a"]?.env, { FLAG: "off" });
  });
});
