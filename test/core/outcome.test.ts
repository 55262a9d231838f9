import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { classifyOutcome, type Observation } from "../../src/core/outcome.js";
import { validateResponse } from "../../src/protocol/parse.js";

const ok = (value: unknown) => validateResponse(value);
const base: Observation = { termination: null, exitCode: 0, signal: null, parsed: ok({ status: "ok" }) };
const classify = (o: Partial<Observation>) => classifyOutcome({ ...base, ...o });

describe("classifyOutcome (SPEC §5.3)", () => {
  it("exit 0 + status ok → succeeded", () => {
    assert.deepEqual(
      { status: classify({}).status, error: classify({}).error },
      { status: "succeeded", error: null },
    );
  });
  it("exit 0 + status error → failed, retry defaults to true, response.retry respected", () => {
    assert.equal(classify({ parsed: ok({ status: "error" }) }).retryable, true);
    assert.equal(classify({ parsed: ok({ status: "error", retry: false }) }).retryable, false);
    assert.equal(classify({ parsed: ok({ status: "error", error: "boom" }) }).error, "boom");
    assert.equal(classify({ parsed: ok({ status: "error" }) }).error, "plugin reported an error");
  });
  it("timeout → timed_out, retryable, whatever else happened", () => {
    const r = classify({
      termination: { kind: "timeout", timeoutMs: 60_000 },
      exitCode: null,
      signal: "SIGTERM",
    });
    assert.deepEqual([r.status, r.retryable, r.error], ["timed_out", true, "timed out after 1m"]);
  });
  it("exit 78 is never retried, even when the response asks for it", () => {
    const r = classify({ exitCode: 78, parsed: ok({ status: "error", retry: true }) });
    assert.deepEqual([r.status, r.retryable], ["failed", false]);
    assert.equal(
      classify({ exitCode: 78, parsed: null }).error,
      "exit code 78 (EX_CONFIG: configuration error, not retried)",
    );
  });
  it("exit 75 is always retried, even when the response says retry:false", () => {
    const r = classify({ exitCode: 75, parsed: ok({ status: "error", retry: false }) });
    assert.deepEqual([r.status, r.retryable], ["failed", true]);
  });
  it("other non-zero exit → failed, retryable unless a valid response says retry:false; status ok does not win", () => {
    assert.equal(classify({ exitCode: 3, parsed: null }).retryable, true);
    assert.equal(classify({ exitCode: 3, parsed: ok({ status: "error", retry: false }) }).retryable, false);
    const r = classify({ exitCode: 1, parsed: ok({ status: "ok" }) });
    assert.deepEqual([r.status, r.error], ["failed", "exit code 1"]);
  });
  it("killed by a signal the core did not send → failed, retryable", () => {
    const r = classify({ exitCode: null, signal: "SIGSEGV", parsed: null });
    assert.deepEqual([r.status, r.retryable, r.error], ["failed", true, "killed by SIGSEGV"]);
  });
  it("protocol error on exit 0 → failed, retryable, flagged", () => {
    const r = classify({ parsed: { ok: false, error: "no response on stdout" } });
    assert.deepEqual([r.status, r.retryable, r.protocolError], ["failed", true, true]);
    assert.equal(r.error, "protocol error: no response on stdout");
  });
  it("stdout cap → protocol error", () => {
    const r = classify({
      termination: { kind: "stdout_cap", capBytes: 10 * 1024 * 1024 },
      exitCode: null,
      signal: "SIGKILL",
    });
    assert.deepEqual(
      [r.status, r.retryable, r.protocolError, r.error],
      ["failed", true, true, "protocol error: stdout exceeded 10 MB"],
    );
  });
  it("spawn errors: ENOENT and EACCES are final, others retryable", () => {
    const spawnError = (code: string) =>
      classify({
        termination: { kind: "spawn_error", code, message: `spawn ${code}` },
        exitCode: null,
        parsed: null,
      });
    assert.equal(spawnError("ENOENT").retryable, false);
    assert.equal(spawnError("EACCES").retryable, false);
    assert.equal(spawnError("ETXTBSY").retryable, true);
    assert.equal(spawnError("EAGAIN").retryable, true);
  });
});
