// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} in plain strings is the config syntax under test.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { interpolate } from "../../src/config/index.js";
import { configOf, errorsOf, problemAt, yaml } from "./helpers.js";

const one = (text: string, env: Record<string, string | undefined> = {}) => interpolate(text, env);

describe("interpolate (pure)", () => {
  it("substitutes ${VAR}", () => {
    assert.deepEqual(one("id=${ID}!", { ID: "42" }), { value: "id=42!", problems: [] });
  });

  it("uses the default of ${VAR:-default} when unset or empty, the value otherwise", () => {
    assert.equal(one("${A:-x y}", {}).value, "x y");
    assert.equal(one("${A:-x}", { A: "" }).value, "x");
    assert.equal(one("${A:-x}", { A: "set" }).value, "set");
    assert.equal(one("${A:-}", {}).value, "");
    assert.equal(one("${A:-http://h:80/p}", {}).value, "http://h:80/p");
  });

  it("keeps an empty but set variable empty with ${VAR}", () => {
    assert.deepEqual(one("[${A}]", { A: "" }), { value: "[]", problems: [] });
  });

  it("turns $${ into a literal ${ and does not interpolate what follows", () => {
    assert.deepEqual(one("$${HOME} and $${", { HOME: "/root" }), { value: "${HOME} and ${", problems: [] });
  });

  it("leaves a lone $ and $VAR without braces alone", () => {
    assert.deepEqual(one("cost $5, $HOME, $$", { HOME: "/root" }), {
      value: "cost $5, $HOME, $$",
      problems: [],
    });
  });

  it("reports an unset variable with its name and the key path", () => {
    const result = interpolate({ plugins: { w: { config: { list: ["ok", "${MISSING}"] } } } }, {});
    assert.deepEqual(result.problems, [
      {
        path: ["plugins", "w", "config", "list", 1],
        message: "environment variable MISSING is not set (write ${MISSING:-default} for a default)",
      },
    ]);
  });

  it("reports malformed and unterminated references", () => {
    assert.match(one("${not valid}").problems[0]?.message ?? "", /invalid reference "\$\{not valid\}"/);
    assert.match(one("${1X}").problems[0]?.message ?? "", /invalid reference/);
    assert.match(one("${}").problems[0]?.message ?? "", /invalid reference/);
    assert.match(one("${A-x}").problems[0]?.message ?? "", /invalid reference/);
    assert.match(one("abc ${OPEN").problems[0]?.message ?? "", /unterminated reference "\$\{OPEN"/);
  });

  it("never rescans a substituted value", () => {
    assert.deepEqual(one("${A}", { A: "${B}", B: "no" }), { value: "${B}", problems: [] });
    assert.deepEqual(one("${A}", { A: "$${B}" }), { value: "$${B}", problems: [] });
  });

  it("never touches keys or non-string values", () => {
    const input = { "${K}": { n: 1, b: true, z: null, list: [2.5, "${V}"] } };
    assert.deepEqual(interpolate(input, { K: "key", V: "v" }).value, {
      "${K}": { n: 1, b: true, z: null, list: [2.5, "v"] },
    });
  });

  it("does not modify its input", () => {
    const input = { a: ["${A}"] };
    interpolate(input, { A: "x" });
    assert.deepEqual(input, { a: ["${A}"] });
  });

  it("property: text without ${ is unchanged; $${ always yields a literal ${", () => {
    const plain = fc.string().filter((s) => !s.includes("${"));
    fc.assert(
      fc.property(plain, fc.dictionary(fc.string(), fc.string()), (text, env) => {
        assert.deepEqual(interpolate(text, env), { value: text, problems: [] });
      }),
    );
    fc.assert(
      fc.property(plain, plain, (before, after) => {
        // `before` must not end in "$", or "$" + "$${" would read as "$$" + "${".
        fc.pre(!before.endsWith("$"));
        const result = interpolate(`${before}$\${${after}`, {});
        assert.deepEqual(result, { value: `${before}\${${after}`, problems: [] });
      }),
    );
  });

  it("property: a substituted value appears verbatim, whatever it contains", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (value, around) => {
        fc.pre(!around.includes("$"));
        const result = interpolate(`${around}\${V}${around}`, { V: value });
        assert.deepEqual(result, { value: `${around}${value}${around}`, problems: [] });
      }),
    );
  });
});

describe("loadConfig: interpolation", () => {
  it("interpolates every form in string values of the whole file", () => {
    const config = configOf(
      yaml(
        "service:",
        "  state_dir: ${STATE:-/var/lib/postern}",
        "plugins:",
        "  a:",
        // Inside a flow collection ({...}) YAML needs the reference quoted: "{" would open a mapping.
        '    schedule: { every: "${EVERY:-6h}" }',
        "    config:",
        "      token: ${TOKEN}",
        "      template: $${user}",
        "      url: https://${HOST:-localhost}:${PORT:-8080}/x",
        "webhooks:",
        "  endpoints:",
        "    - path: /hook/a",
        "      plugin: a",
        "      secret: ${SECRET}",
      ),
      { TOKEN: "t0k3n", SECRET: "s3cret", PORT: "9000" },
    );
    assert.equal(config.service.state_dir, "/var/lib/postern");
    assert.deepEqual(config.plugins["a"]?.schedule?.every, { kind: "fixed", ms: 6 * 3_600_000, text: "6h" });
    assert.deepEqual(config.plugins["a"]?.config, {
      token: "t0k3n",
      template: "${user}",
      url: "https://localhost:9000/x",
    });
    assert.deepEqual(config.webhooks.endpoints[0]?.secrets, ["s3cret"]);
  });

  it("keeps an env value that contains YAML syntax a plain string", () => {
    const nasty = "a: b\n- c\n{ d: [e] } # f\n---\n&g *g";
    const config = configOf(
      yaml("plugins:", "  a:", "    config:", "      value: ${NASTY}", "    env: { X: '${NASTY}' }"),
      {
        NASTY: nasty,
      },
    );
    assert.deepEqual(config.plugins["a"]?.config, { value: nasty });
    assert.deepEqual(config.plugins["a"]?.env, { X: nasty });
  });

  it("reports an unset variable with the variable name, key path and line", () => {
    const errors = errorsOf(
      yaml("plugins:", "  a:", "    config:", "      client_id: ${WITHINGS_CLIENT_ID}"),
    );
    assert.deepEqual(errors, [
      {
        file: errors[0]?.file,
        path: "plugins.a.config.client_id",
        line: 4,
        message:
          "environment variable WITHINGS_CLIENT_ID is not set (write ${WITHINGS_CLIENT_ID:-default} for a default)",
      },
    ]);
  });

  it("reports every unset variable, and only the cause for a typed field", () => {
    const errors = errorsOf(
      yaml("service:", "  tick_interval: ${TICK}", "plugins:", "  a: { config: { x: '${A}', y: '${B}' } }"),
    );
    assert.deepEqual(
      errors.map((e) => [e.path, e.line]),
      [
        ["service.tick_interval", 2],
        ["plugins.a.config.x", 4],
        ["plugins.a.config.y", 4],
      ],
    );
    assert.match(problemAt(errors, "service.tick_interval").message, /TICK is not set/);
  });

  it("does not interpolate keys", () => {
    const config = configOf(yaml("plugins:", "  a:", "    config:", "      ${KEY}: v"), { KEY: "k" });
    assert.deepEqual(config.plugins["a"]?.config, { "${KEY}": "v" });
  });

  it("interpolated text is validated like written text", () => {
    const errors = errorsOf(yaml("plugins:", "  a: { schedule: { every: '${EVERY}' } }"), { EVERY: "30s" });
    assert.match(problemAt(errors, "plugins.a.schedule.every").message, /got "30s"/);
  });
});
