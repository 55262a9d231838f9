/**
 * The benchmark's own arithmetic and output (bench/lib): percentiles that the table's verdicts
 * rest on, the table itself, and results JSON that the repo's formatter accepts as it is.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { repoRoot } from "../helpers/paths.js";

// Plain .mjs modules outside the TypeScript build: imported by URL, typed by hand here.
type Stats = {
  percentile(xs: number[], p: number): number;
  median(xs: number[]): number;
  round(x: number, digits?: number): number;
};
type Table = { formatTable(rows: object[]): string; markdownTable(rows: object[]): string };
const load = async <T>(file: string) =>
  (await import(pathToFileURL(path.join(repoRoot, "bench", "lib", file)).href)) as T;

describe("bench stats", () => {
  it("takes nearest-rank percentiles, whatever the input order", async () => {
    const { percentile, median } = await load<Stats>("stats.mjs");
    const xs = [9, 1, 8, 2, 7, 3, 6, 4, 5, 10];
    assert.equal(median(xs), 5);
    assert.equal(percentile(xs, 90), 9);
    assert.equal(percentile(xs, 99), 10);
    assert.equal(percentile(xs, 0), 1);
    assert.equal(percentile([42], 99), 42);
    assert.ok(Number.isNaN(percentile([], 50)));
    assert.deepEqual(xs.slice(0, 3), [9, 1, 8], "the input is not sorted in place");
  });

  it("rounds for display only", async () => {
    const { round } = await load<Stats>("stats.mjs");
    assert.equal(round(0.7949, 2), 0.79);
    assert.equal(round(1234.5, 0), 1235);
  });
});

describe("bench table", () => {
  const rows = [
    { figure: "dispatch jobs/s", postern: 243, baseline: 306, ratio: 0.79, target: ">= 0.8", pass: false },
    { figure: "idle CPU %", postern: 0.2, baseline: null, ratio: null, target: "<= 1 %", pass: true },
    { figure: "burst peak RSS MB", postern: 153.2, baseline: null, ratio: null, target: "-", pass: null },
  ];

  it("says FAIL, pass or - for informational rows", async () => {
    const { formatTable } = await load<Table>("table.mjs");
    const lines = formatTable(rows).split("\n");
    assert.match(lines[0]!, /^figure\s+postern\s+baseline\s+ratio\s+target\s+pass$/);
    assert.match(lines[2]!, /^dispatch jobs\/s\s+243\s+306\s+0\.79\s+>= 0\.8\s+FAIL$/);
    assert.match(lines[3]!, /^idle CPU %\s+0\.2\s+-\s+-\s+<= 1 %\s+pass$/);
    assert.match(lines[4]!, /\s+-$/);
  });
});

describe("bench signing of provider presets", () => {
  it("every preset the bench offers signs deliveries its verifier accepts (no row of 403s)", async () => {
    const { PROVIDERS } = await import("../../src/core/webhook-verify/index.js");
    type Signed = {
      PRESETS: string[];
      SECRET: string;
      deliveryBody(): string;
      presetHeaders(provider: string, body: string, nowS?: number): Record<string, string>;
    };
    const signed = await load<Signed>("signed.mjs");
    const body = signed.deliveryBody();
    const nowS = 1_700_000_000;
    for (const provider of signed.PRESETS) {
      const verdict = PROVIDERS[provider as keyof typeof PROVIDERS].verify({
        headers: signed.presetHeaders(provider, body, nowS),
        body: Buffer.from(body),
        secrets: [signed.SECRET],
        nowMs: nowS * 1000,
        toleranceMs: 300_000,
        signatureHeader: "x-hub-signature-256",
      });
      assert.deepEqual(verdict, { ok: true, secretIndex: 0 }, provider);
    }
  });
});
