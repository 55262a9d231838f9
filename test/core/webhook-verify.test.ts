/**
 * The webhook providers' verifiers (SPEC §17): each against its sender's published example
 * where one exists (the source is cited beside it), against signatures computed here with
 * node:crypto independently of src/, and against every bad input issue 19 lists.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { macEquals } from "../../src/core/webhook-verify/compare.js";
import {
  MAX_SIGNATURES,
  PROVIDER_NAMES,
  PROVIDERS,
  type ProviderName,
  type Verdict,
  type VerifyInput,
} from "../../src/core/webhook-verify/index.js";
import { repoRoot } from "../helpers/paths.js";
import { type Headers, mac, PROVIDER_SECRETS, SIGNERS } from "../helpers/webhook-signers.js";

const NOW_S = 1_700_000_000;
const NOW_MS = NOW_S * 1000;
const TOLERANCE_MS = 300_000;
const BODY = Buffer.from('{"action":"opened","number":42}');

function run(
  provider: ProviderName,
  headers: Headers,
  secrets: string[],
  opts: { body?: Buffer | string; nowMs?: number; signatureHeader?: string } = {},
): Verdict {
  const input: VerifyInput = {
    headers,
    body: typeof opts.body === "string" ? Buffer.from(opts.body) : (opts.body ?? BODY),
    secrets,
    nowMs: opts.nowMs ?? NOW_MS,
    toleranceMs: TOLERANCE_MS,
    signatureHeader: opts.signatureHeader ?? "x-hub-signature-256",
  };
  return PROVIDERS[provider].verify(input);
}

const SECRET = PROVIDER_SECRETS;
const OTHER_SECRET: Record<ProviderName, string> = {
  ...Object.fromEntries(PROVIDER_NAMES.map((p) => [p, `another ${p} secret`])),
  standard: "whsec_QW5vdGhlciBrZXkgb2YgdGhpcnR5LXR3byBieXRlcyE=",
} as Record<ProviderName, string>;

const TIMESTAMPED = PROVIDER_NAMES.filter((p) => PROVIDERS[p].signsTimestamp);

function rejected(v: Verdict, reason: string, what: string): void {
  assert.equal(v.ok, false, `${what}: expected a refusal (${reason}), got ${JSON.stringify(v)}`);
  if (!v.ok) assert.equal(v.reason, reason, `${what}: ${v.detail}`);
}

describe("webhook verifiers: the senders' published examples", () => {
  it("github: the test vector of docs.github.com, 'Validating webhook deliveries'", () => {
    // Source: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
    // ("Testing the webhook payload validation"): secret, payload and signature as published.
    const headers = {
      "x-hub-signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    };
    assert.deepEqual(run("github", headers, ["It's a Secret to Everybody"], { body: "Hello, World!" }), {
      ok: true,
      secretIndex: 0,
    });
    // The same bytes through the default provider (bare hex, as many senders write it).
    const bare = { "x-hub-signature-256": headers["x-hub-signature-256"].slice(7) };
    assert.equal(run("hmac", bare, ["It's a Secret to Everybody"], { body: "Hello, World!" }).ok, true);
    // Gitea signs exactly like this without the prefix.
    assert.equal(
      run("gitea", { "x-gitea-signature": bare["x-hub-signature-256"] }, ["It's a Secret to Everybody"], {
        body: "Hello, World!",
      }).ok,
      true,
    );
  });

  it("slack: the worked example of api.slack.com, 'Verifying requests from Slack'", () => {
    // Source: https://api.slack.com/authentication/verifying-requests-from-slack (the
    // step-by-step walk-through: signing secret, X-Slack-Request-Timestamp, slash-command body
    // and the resulting X-Slack-Signature).
    const body =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const headers = {
      "x-slack-request-timestamp": "1531420618",
      "x-slack-signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    };
    const at = { body, nowMs: 1531420618 * 1000 + 10_000 };
    assert.deepEqual(run("slack", headers, ["8f742231b10e8888abcd99yyyzzz85a5"], at), {
      ok: true,
      secretIndex: 0,
    });
    // The example is from 2018: with today's clock it is (rightly) stale, after the signature held.
    rejected(
      run("slack", headers, ["8f742231b10e8888abcd99yyyzzz85a5"], { body }),
      "stale_timestamp",
      "2018 example now",
    );
  });

  it("standard: the reference libraries' vector (standard-webhooks/standard-webhooks)", () => {
    // Source: github.com/standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts
    // ("sign function works"; the same vector is in the Go, Java, C#, PHP and Python tests).
    const headers = {
      "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "webhook-timestamp": "1614265330",
      "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    };
    const at = { body: '{"test": 2432232314}', nowMs: 1614265330 * 1000 };
    assert.deepEqual(run("standard", headers, ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], at), {
      ok: true,
      secretIndex: 0,
    });
    // The libraries accept the secret with or without its whsec_ prefix.
    assert.equal(run("standard", headers, ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], at).ok, true);
    // Their "multi sig payload is valid" case: other versions and wrong v1s around the right one.
    const multi = {
      ...headers,
      "webhook-signature": [
        "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
        "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
        headers["webhook-signature"],
        "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
      ].join(" "),
    };
    assert.equal(run("standard", multi, ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], at).ok, true);
  });
});

describe("webhook verifiers: signatures computed independently, every provider", () => {
  for (const provider of PROVIDER_NAMES) {
    const sign = (secret = SECRET[provider], body = BODY, t = NOW_S) => SIGNERS[provider](secret, body, t);

    it(`${provider}: accepts its own scheme, and says which secret matched (rotation)`, () => {
      assert.deepEqual(run(provider, sign(), [SECRET[provider]]), { ok: true, secretIndex: 0 });
      assert.deepEqual(run(provider, sign(), [OTHER_SECRET[provider], SECRET[provider]]), {
        ok: true,
        secretIndex: 1,
      });
      assert.deepEqual(run(provider, sign(), [SECRET[provider], SECRET[provider]]), {
        ok: true,
        secretIndex: 0,
      });
    });

    it(`${provider}: an empty body signed is accepted (the signature covers zero bytes)`, () => {
      const empty = Buffer.alloc(0);
      assert.deepEqual(run(provider, sign(SECRET[provider], empty), [SECRET[provider]], { body: empty }), {
        ok: true,
        secretIndex: 0,
      });
    });

    it(`${provider}: wrong secret and another body are bad_signature`, () => {
      rejected(
        run(provider, sign(OTHER_SECRET[provider]), [SECRET[provider]]),
        "bad_signature",
        "wrong secret",
      );
      if (provider !== "gitlab") {
        rejected(
          run(provider, sign(), [SECRET[provider]], { body: `${BODY} ` }),
          "bad_signature",
          "other body",
        );
        rejected(run(provider, sign(), [SECRET[provider]], { body: "" }), "bad_signature", "empty body");
      }
    });

    it(`${provider}: a missing header is missing_header, for each header it needs`, () => {
      const headers = sign();
      for (const name of Object.keys(headers)) {
        const without = { ...headers };
        delete without[name];
        rejected(run(provider, without, [SECRET[provider]]), "missing_header", `without ${name}`);
      }
      rejected(run(provider, {}, [SECRET[provider]]), "missing_header", "no headers");
    });

    it(`${provider}: 1000 signatures in one header are refused without trying them all`, () => {
      const headers = sign();
      const [name, value] = Object.entries(headers).find(([n]) => /signature|token|hmac/.test(n)) as [
        string,
        string,
      ];
      const separator = provider === "standard" ? " " : ",";
      const reason =
        provider === "stripe" || provider === "standard" ? "too_many_signatures" : "malformed_header";
      const crowd =
        provider === "stripe"
          ? `t=${NOW_S},${Array.from({ length: 1000 }, () => value.split(",")[1]).join(",")}`
          : Array.from({ length: 1000 }, () => value).join(separator);
      if (provider === "gitlab") {
        // A token is compared whole: a thousand copies is one wrong token (hashed once).
        rejected(
          run(provider, { ...headers, [name]: crowd }, [SECRET[provider]]),
          "bad_signature",
          "1000 tokens",
        );
      } else {
        rejected(run(provider, { ...headers, [name]: crowd }, [SECRET[provider]]), reason, "1000 signatures");
      }
    });
  }

  it(`the limit is ${MAX_SIGNATURES} signatures: at it one valid among wrong ones passes, past it none is tried`, () => {
    const wrongHex = "0".repeat(64);
    const good = (SIGNERS.stripe(SECRET.stripe, BODY, NOW_S)["stripe-signature"] as string).split(
      ",",
    )[1] as string;
    const stripeWith = (n: number) =>
      `t=${NOW_S},${[...Array.from({ length: n - 1 }, () => `v1=${wrongHex}`), good].join(",")}`;
    assert.equal(run("stripe", { "stripe-signature": stripeWith(MAX_SIGNATURES) }, [SECRET.stripe]).ok, true);
    rejected(
      run("stripe", { "stripe-signature": stripeWith(MAX_SIGNATURES + 1) }, [SECRET.stripe]),
      "too_many_signatures",
      "17",
    );
    const std = SIGNERS.standard(SECRET.standard, BODY, NOW_S);
    const wrongB64 = `v1,${Buffer.alloc(32).toString("base64")}`;
    const standardWith = (n: number) => ({
      ...std,
      "webhook-signature": [...Array.from({ length: n - 1 }, () => wrongB64), std["webhook-signature"]].join(
        " ",
      ),
    });
    assert.equal(run("standard", standardWith(MAX_SIGNATURES), [SECRET.standard]).ok, true);
    rejected(
      run("standard", standardWith(MAX_SIGNATURES + 1), [SECRET.standard]),
      "too_many_signatures",
      "17",
    );
  });
});

describe("webhook verifiers: malformed headers", () => {
  const h = (s: string, body = BODY) => mac(s, body).toString("hex");
  const b64 = (s: string, body = BODY) => mac(s, body).toString("base64");

  const CASES: [ProviderName, Headers, string][] = [
    ["github", { "x-hub-signature-256": h(SECRET.github) }, "bare hex without sha256="],
    ["github", { "x-hub-signature-256": `sha1=${h(SECRET.github)}` }, "wrong prefix"],
    ["github", { "x-hub-signature-256": `sha256=${h(SECRET.github)},` }, "extra comma"],
    ["github", { "x-hub-signature-256": `sha256=${h(SECRET.github).slice(2)}` }, "short"],
    ["github", { "x-hub-signature-256": `sha256=${b64(SECRET.github)}` }, "base64 instead of hex"],
    ["gitea", { "x-gitea-signature": `sha256=${h(SECRET.gitea)}` }, "prefix Gitea does not send"],
    ["gitea", { "x-gitea-signature": `${h(SECRET.gitea)}0` }, "65 digits"],
    ["gitea", { "x-forgejo-signature": `${h(SECRET.gitea)},` }, "extra comma (Forgejo header)"],
    ["gitlab", { "x-gitlab-token": "" }, "empty token"],
    ["shopify", { "x-shopify-hmac-sha256": h(SECRET.shopify) }, "hex instead of base64"],
    [
      "shopify",
      { "x-shopify-hmac-sha256": b64(SECRET.shopify).replace(/\+/g, "-").replace(/\//g, "_") },
      "base64url",
    ],
    ["shopify", { "x-shopify-hmac-sha256": `${b64(SECRET.shopify)}=` }, "extra padding"],
    ["shopify", { "x-shopify-hmac-sha256": b64(SECRET.shopify).slice(4) }, "truncated"],
    ["hmac", { "x-hub-signature-256": `sha1=${h(SECRET.hmac)}` }, "wrong prefix"],
    ["hmac", { "x-hub-signature-256": `${h(SECRET.hmac)}, ${h(SECRET.hmac)}` }, "two signatures"],
  ];
  const stripeMac = mac(SECRET.stripe, Buffer.concat([Buffer.from(`${NOW_S}.`), BODY])).toString("hex");
  CASES.push(
    ["stripe", { "stripe-signature": `t=${NOW_S},,v1=${stripeMac}` }, "extra comma in the middle"],
    ["stripe", { "stripe-signature": `t=${NOW_S},v1=${stripeMac},` }, "trailing comma"],
    ["stripe", { "stripe-signature": `v1=${stripeMac}` }, "no t="],
    ["stripe", { "stripe-signature": `t=${NOW_S}` }, "no v1="],
    ["stripe", { "stripe-signature": `t=${NOW_S},v0=${stripeMac}` }, "only v0 (not a scheme that counts)"],
    ["stripe", { "stripe-signature": `t=${NOW_S},t=${NOW_S},v1=${stripeMac}` }, "two t="],
    ["stripe", { "stripe-signature": `t=${NOW_S},v1=sha256=${stripeMac}` }, "v1 with a prefix"],
    [
      "stripe",
      { "stripe-signature": `t=${NOW_S},v1=${Buffer.from(stripeMac, "hex").toString("base64")}` },
      "v1 in base64",
    ],
  );
  const slackMac = mac(SECRET.slack, Buffer.concat([Buffer.from(`v0:${NOW_S}:`), BODY])).toString("hex");
  CASES.push(
    ["slack", { "x-slack-request-timestamp": String(NOW_S), "x-slack-signature": slackMac }, "no v0= prefix"],
    [
      "slack",
      { "x-slack-request-timestamp": String(NOW_S), "x-slack-signature": `v1=${slackMac}` },
      "wrong prefix",
    ],
    [
      "slack",
      { "x-slack-request-timestamp": String(NOW_S), "x-slack-signature": `v0=${slackMac},` },
      "extra comma",
    ],
  );
  const stdSig = SIGNERS.standard(SECRET.standard, BODY, NOW_S);
  const stdB64 = (stdSig["webhook-signature"] as string).slice(3);
  CASES.push(
    ["standard", { ...stdSig, "webhook-signature": stdB64 }, "no version"],
    ["standard", { ...stdSig, "webhook-signature": `v1=${stdB64}` }, "= instead of ,"],
    ["standard", { ...stdSig, "webhook-signature": `v1,${stdB64},` }, "extra comma"],
    ["standard", { ...stdSig, "webhook-signature": `v1,${stdB64}  v1,${stdB64}` }, "two spaces"],
    [
      "standard",
      { ...stdSig, "webhook-signature": `v1,${Buffer.from(stdB64, "base64").toString("hex")}` },
      "hex",
    ],
    ["standard", { ...stdSig, "webhook-signature": "v1a,c2lnbmF0dXJl" }, "only an asymmetric signature"],
  );

  for (const [provider, headers, what] of CASES) {
    it(`${provider}: ${what} → malformed_header`, () => {
      rejected(run(provider, headers, [SECRET[provider]]), "malformed_header", what);
    });
  }

  it("hex in either case where the sender writes hex; base64 with or without padding", () => {
    const upper = (headers: Headers, name: string, from: number) => ({
      ...headers,
      [name]: (headers[name] as string).slice(0, from) + (headers[name] as string).slice(from).toUpperCase(),
    });
    const sign = (p: ProviderName) => SIGNERS[p](SECRET[p], BODY, NOW_S);
    assert.equal(run("github", upper(sign("github"), "x-hub-signature-256", 7), [SECRET.github]).ok, true);
    assert.equal(run("gitea", upper(sign("gitea"), "x-gitea-signature", 0), [SECRET.gitea]).ok, true);
    assert.equal(run("hmac", upper(sign("hmac"), "x-hub-signature-256", 0), [SECRET.hmac]).ok, true);
    assert.equal(run("slack", upper(sign("slack"), "x-slack-signature", 3), [SECRET.slack]).ok, true);
    const stripeUpper = `t=${NOW_S},v1=${stripeMac.toUpperCase()}`;
    assert.equal(run("stripe", { "stripe-signature": stripeUpper }, [SECRET.stripe]).ok, true);
    const shop = sign("shopify")["x-shopify-hmac-sha256"] as string;
    assert.ok(shop.endsWith("="));
    assert.equal(run("shopify", { "x-shopify-hmac-sha256": shop.slice(0, -1) }, [SECRET.shopify]).ok, true);
    assert.equal(
      run("standard", { ...stdSig, "webhook-signature": `v1,${stdB64.slice(0, -1)}` }, [SECRET.standard]).ok,
      true,
    );
    // Base64 is case-sensitive: upper-casing it is another signature, not a spelling.
    rejected(
      run("shopify", { "x-shopify-hmac-sha256": shop.toUpperCase() }, [SECRET.shopify]),
      "bad_signature",
      "upper-cased base64",
    );
  });
});

describe("webhook verifiers: timestamps (stripe, slack, standard)", () => {
  assert.deepEqual(TIMESTAMPED, ["stripe", "slack", "standard"]);
  for (const provider of TIMESTAMPED) {
    const at = (t: number) => SIGNERS[provider](SECRET[provider], BODY, t);
    const tolS = TOLERANCE_MS / 1000;

    it(`${provider}: at the edge of tolerance both ways it passes; one second past it does not`, () => {
      assert.equal(run(provider, at(NOW_S - tolS), [SECRET[provider]]).ok, true);
      assert.equal(run(provider, at(NOW_S + tolS), [SECRET[provider]]).ok, true);
      rejected(run(provider, at(NOW_S - tolS - 1), [SECRET[provider]]), "stale_timestamp", "stale");
      rejected(run(provider, at(NOW_S + tolS + 1), [SECRET[provider]]), "future_timestamp", "future");
      rejected(run(provider, at(NOW_S - 86_400), [SECRET[provider]]), "stale_timestamp", "a day old");
    });

    it(`${provider}: a timestamp that is not whole Unix seconds is bad_timestamp`, () => {
      for (const bad of ["abc", "1.5", "-1", "", "0x10", "1e9", "99999999999999999999"]) {
        const headers = at(NOW_S);
        if (provider === "stripe")
          headers["stripe-signature"] = (headers["stripe-signature"] as string).replace(/^t=\d+/, `t=${bad}`);
        else if (provider === "slack") headers["x-slack-request-timestamp"] = bad;
        else headers["webhook-timestamp"] = bad;
        rejected(run(provider, headers, [SECRET[provider]]), "bad_timestamp", JSON.stringify(bad));
      }
    });

    it(`${provider}: a stale timestamp under a wrong signature is bad_signature (the signature is checked first)`, () => {
      rejected(
        run(provider, SIGNERS[provider](OTHER_SECRET[provider], BODY, NOW_S - 3600), [SECRET[provider]]),
        "bad_signature",
        "forged and old",
      );
    });
  }

  it("the timestamp is part of what is signed: a changed timestamp breaks the signature", () => {
    const stripe = SIGNERS.stripe(SECRET.stripe, BODY, NOW_S);
    stripe["stripe-signature"] = (stripe["stripe-signature"] as string).replace(
      `t=${NOW_S}`,
      `t=${NOW_S + 1}`,
    );
    rejected(run("stripe", stripe, [SECRET.stripe]), "bad_signature", "stripe t+1");
    const slack = {
      ...SIGNERS.slack(SECRET.slack, BODY, NOW_S),
      "x-slack-request-timestamp": String(NOW_S + 1),
    };
    rejected(run("slack", slack, [SECRET.slack]), "bad_signature", "slack t+1");
    const std = { ...SIGNERS.standard(SECRET.standard, BODY, NOW_S), "webhook-timestamp": String(NOW_S + 1) };
    rejected(run("standard", std, [SECRET.standard]), "bad_signature", "standard t+1");
    const otherId = { ...SIGNERS.standard(SECRET.standard, BODY, NOW_S), "webhook-id": "msg_2" };
    rejected(run("standard", otherId, [SECRET.standard]), "bad_signature", "standard other id");
  });
});

describe("webhook verifiers: secrets and constant time", () => {
  it("a standard secret must be base64 (with or without whsec_); other providers take any text", () => {
    assert.equal(PROVIDERS.standard.secretProblem("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), null);
    assert.equal(PROVIDERS.standard.secretProblem("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), null);
    for (const bad of ["whsec_", "whsec_not base64!", "whsec_abc", "whsec_QUJD=A"]) {
      assert.match(PROVIDERS.standard.secretProblem(bad) ?? "", /not valid base64/, bad);
      assert.ok(
        !(PROVIDERS.standard.secretProblem(bad) ?? "").includes(bad.slice(6) || "\0"),
        "never quotes the secret",
      );
    }
    for (const p of PROVIDER_NAMES.filter((n) => n !== "standard"))
      assert.equal(PROVIDERS[p].secretProblem("x y!"), null);
  });

  it("unequal lengths are unequal without throwing (timingSafeEqual alone would throw)", () => {
    assert.equal(macEquals(Buffer.alloc(32), Buffer.alloc(31)), false);
    assert.equal(macEquals(Buffer.alloc(32), Buffer.alloc(0)), false);
    assert.equal(macEquals(Buffer.alloc(32, 1), Buffer.alloc(32, 1)), true);
    assert.equal(macEquals(Buffer.alloc(32, 1), Buffer.alloc(32, 2)), false);
    // A token shorter or longer than the secret is a plain refusal too.
    rejected(run("gitlab", { "x-gitlab-token": "g" }, [SECRET.gitlab]), "bad_signature", "short token");
    rejected(
      run("gitlab", { "x-gitlab-token": `${SECRET.gitlab}x` }, [SECRET.gitlab]),
      "bad_signature",
      "long token",
    );
  });

  it("by structure: signatures are compared only by timingSafeEqual in compare.ts, never with ===, equals or compare", () => {
    const dir = join(repoRoot, "src/core/webhook-verify");
    const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));
    assert.ok(files.length >= 10, files.join(", "));
    for (const file of files) {
      const text = readFileSync(join(dir, file), "utf8");
      assert.doesNotMatch(
        text,
        /\.equals\(|Buffer\.compare|\.compare\(|localeCompare/,
        `${file} compares bytes another way`,
      );
      // The MAC (given or expected) never takes part in a string comparison.
      assert.doesNotMatch(
        text,
        /(mac|given|expected|signature|token)\w*\s*[!=]==?\s+(?!undefined|null|-1|"")/i,
        file,
      );
      if (file !== "compare.ts") assert.doesNotMatch(text, /timingSafeEqual/, `${file}: use compare.ts`);
    }
    const compare = readFileSync(join(dir, "compare.ts"), "utf8");
    assert.match(compare, /a\.length === b\.length && timingSafeEqual\(a, b\)/);
  });

  it("no refusal's detail contains the expected signature, in any encoding", () => {
    for (const provider of PROVIDER_NAMES) {
      const expected = SIGNERS[provider](SECRET[provider], BODY, NOW_S);
      const forged = SIGNERS[provider](OTHER_SECRET[provider], BODY, NOW_S);
      const v = run(provider, forged, [SECRET[provider]]);
      assert.equal(v.ok, false);
      if (v.ok) continue;
      for (const value of Object.values(expected)) {
        const core = value.replace(/^(sha256=|v0=|v1,|t=\d+,v1=)/, "");
        if (core.length >= 16) assert.ok(!v.detail.includes(core), `${provider}: ${v.detail}`);
      }
      assert.ok(!v.detail.includes(SECRET[provider]), `${provider} quotes the secret`);
    }
  });
});
