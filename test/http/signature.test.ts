import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import { parseSignature, verifySignature } from "../../src/http/signature.js";

const body = Buffer.from('{"zen":"Keep it logically awesome."}');
const hex = (secret: string, data: Buffer = body) => createHmac("sha256", secret).update(data).digest("hex");

describe("parseSignature", () => {
  it("accepts sha256=<hex> and bare hex, either case, trimmed", () => {
    const h = hex("s");
    for (const header of [`sha256=${h}`, h, h.toUpperCase(), `SHA256=${h.toUpperCase()}`, `  sha256=${h} `]) {
      const mac = parseSignature(header);
      assert.ok(Buffer.isBuffer(mac), header);
      assert.equal(mac.toString("hex"), h);
    }
  });

  it("names why a header carries no MAC", () => {
    assert.equal(parseSignature(undefined), "signature header missing");
    assert.equal(parseSignature(""), "signature header empty");
    assert.equal(parseSignature("sha256="), "signature header empty");
    assert.equal(parseSignature("sha256=zz"), "signature is not hex");
    assert.equal(parseSignature("sha1=abcd"), "signature is not hex");
    assert.equal(parseSignature(`sha256=${hex("s")}, sha256=${hex("s")}`), "signature is not hex");
    assert.equal(parseSignature("abc"), "signature has 3 hex digits, expected 64");
    assert.equal(parseSignature(`${hex("s")}0`), "signature has 65 hex digits, expected 64");
    assert.equal(parseSignature(hex("s").slice(0, 62)), "signature has 62 hex digits, expected 64");
  });
});

describe("verifySignature", () => {
  it("accepts the HMAC of the raw bytes under any configured secret (rotation)", () => {
    assert.deepEqual(verifySignature(`sha256=${hex("new")}`, body, ["new", "old"]), { ok: true });
    assert.deepEqual(verifySignature(hex("old").toUpperCase(), body, ["new", "old"]), { ok: true });
  });

  it("refuses another secret, other bytes and every malformed header without throwing", () => {
    const wrong = verifySignature(`sha256=${hex("other")}`, body, ["new", "old"]);
    assert.deepEqual(wrong, { ok: false, reason: "signature does not match any configured secret" });
    const otherBytes = verifySignature(hex("new", Buffer.from(" ")), body, ["new"]);
    assert.equal(otherBytes.ok, false);
    for (const header of [
      undefined,
      "",
      "sha256=",
      "00",
      hex("new").slice(1),
      `${hex("new")}ab`,
      "g".repeat(64),
    ]) {
      const r = verifySignature(header, body, ["new"]);
      assert.equal(r.ok, false, String(header));
    }
  });

  it("never returns the expected MAC in a reason", () => {
    const r = verifySignature(`sha256=${"0".repeat(64)}`, body, ["new"]);
    assert.ok(!r.ok && !r.reason.includes(hex("new")));
  });

  it("works on an empty body", () => {
    assert.deepEqual(verifySignature(hex("k", Buffer.alloc(0)), Buffer.alloc(0), ["k"]), { ok: true });
  });
});
