/** The github plugin: deliveries as the webhook listener hands them over (SPEC §10 step 5). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bundled, responseOf, runLoaded } from "../sdk/harness.js";

const repo = { full_name: "ann/tool", html_url: "https://github.com/ann/tool", stargazers_count: 7 };
const sender = { login: "bob" };

function delivery(
  name: string | null,
  payload: unknown,
  extra: { contentType?: string; delivery?: string } = {},
) {
  const headers: Record<string, string> = { "user-agent": "GitHub-Hookshot/abc" };
  if (name !== null) headers["x-github-event"] = name;
  if (extra.delivery !== undefined) headers["x-github-delivery"] = extra.delivery;
  return runLoaded(bundled("github"), {
    event: {
      type: "github.webhook",
      source: "webhook:/hook/github",
      payload,
      webhook: {
        path: "/hook/github",
        headers,
        query: {},
        content_type: extra.contentType ?? "application/json",
      },
    },
  });
}

function payloadOf(e: { payload?: unknown } | undefined): Record<string, unknown> {
  return (e?.payload ?? {}) as Record<string, unknown>;
}

async function mapped(name: string, payload: unknown) {
  const r = await delivery(name, payload, { delivery: "d-1" });
  assert.equal(r.outcome.status, "succeeded", r.outcome.error ?? r.stderr);
  return responseOf(r).events ?? [];
}

describe("github: deliveries → typed events", () => {
  it("push → github.push with branch, commits, compare link and a dedupe key from the delivery", async () => {
    const [e] = await mapped("push", {
      ref: "refs/heads/main",
      before: "a1",
      after: "b2",
      compare: "https://github.com/ann/tool/compare/a1...b2",
      pusher: { name: "bob" },
      repository: repo,
      sender,
      commits: [
        { id: "b2", message: "Fix it\n\nLong body", url: "https://x/b2", author: { username: "bob" } },
      ],
    });
    assert.equal(e?.type, "github.push");
    assert.equal(e?.dedupe_key, "github:d-1");
    const p = e?.payload as Record<string, unknown>;
    assert.equal(p.title, "bob pushed 1 commit to ann/tool main");
    assert.equal(p.url, "https://github.com/ann/tool/compare/a1...b2");
    assert.equal(p.branch, "main");
    assert.equal(p.delivery, "d-1");
    assert.deepEqual(p.commits, [{ id: "b2", message: "Fix it", url: "https://x/b2", author: "bob" }]);
  });

  it("issues opened / closed, pull requests opened / merged, releases published", async () => {
    const issue = {
      number: 5,
      title: "Crash",
      html_url: "https://github.com/ann/tool/issues/5",
      user: sender,
      labels: [{ name: "bug" }],
    };
    const [opened] = await mapped("issues", { action: "opened", issue, repository: repo, sender });
    assert.equal(opened?.type, "github.issue_opened");
    assert.equal(payloadOf(opened).title, "Issue #5 opened in ann/tool: Crash");
    assert.deepEqual(payloadOf(opened).labels, ["bug"]);
    const [closed] = await mapped("issues", { action: "closed", issue, repository: repo, sender });
    assert.equal(closed?.type, "github.issue_closed");

    const pr = {
      number: 9,
      title: "Add x",
      html_url: "https://github.com/ann/tool/pull/9",
      user: sender,
      base: { ref: "main" },
      head: { ref: "x" },
    };
    const [prOpened] = await mapped("pull_request", {
      action: "opened",
      pull_request: pr,
      repository: repo,
      sender,
    });
    assert.equal(prOpened?.type, "github.pull_request_opened");
    const [merged] = await mapped("pull_request", {
      action: "closed",
      pull_request: { ...pr, merged: true },
      repository: repo,
      sender,
    });
    assert.equal(merged?.type, "github.pull_request_merged");

    const release = {
      tag_name: "v1.2.0",
      name: "",
      html_url: "https://github.com/ann/tool/releases/v1.2.0",
      author: sender,
    };
    const [published] = await mapped("release", { action: "published", release, repository: repo, sender });
    assert.equal(published?.type, "github.release_published");
    assert.equal(payloadOf(published).title, "ann/tool released v1.2.0");
  });

  it("ping is emitted as github.ping (route it to see a new hook work end to end)", async () => {
    const [e] = await mapped("ping", {
      zen: "Keep it logically awesome.",
      hook_id: 42,
      repository: repo,
      sender,
    });
    assert.equal(e?.type, "github.ping");
    assert.equal(payloadOf(e).zen, "Keep it logically awesome.");
  });

  it("an unknown event or an unmapped action: no events, one log line", async () => {
    const unknown = await delivery("deployment_status", { repository: repo });
    assert.equal(unknown.outcome.status, "succeeded");
    assert.equal(responseOf(unknown).events, undefined);
    assert.match(
      responseOf(unknown).logs?.[0]?.message ?? "",
      /"deployment_status" is not one this plugin maps/,
    );
    const labeled = await delivery("issues", { action: "labeled", issue: {}, repository: repo });
    assert.match(responseOf(labeled).logs?.[0]?.message ?? "", /action "labeled" ignored/);
  });

  it("a form-encoded delivery (payload=...) is read too", async () => {
    const body = new URLSearchParams({
      payload: JSON.stringify({ zen: "z", hook_id: 1, repository: repo }),
    }).toString();
    const r = await delivery("ping", body, { contentType: "application/x-www-form-urlencoded" });
    assert.equal(responseOf(r).events?.[0]?.type, "github.ping");
  });
});

describe("github: bad deliveries", () => {
  it("a body that is not JSON → error, not retried", async () => {
    const r = await delivery("push", "this is not json", { contentType: "text/plain" });
    assert.equal(r.outcome.status, "failed");
    assert.equal(r.outcome.retryable, false);
    assert.match(r.outcome.error ?? "", /^the webhook body is not JSON .*content type to application\/json$/);
  });

  it("a JSON array or a missing X-GitHub-Event header → error, not retried", async () => {
    const array = await delivery("push", [1, 2]);
    assert.match(array.outcome.error ?? "", /expected a JSON object, got an array/);
    assert.equal(array.outcome.retryable, false);
    const headerless = await delivery(null, { zen: "z" });
    assert.equal(headerless.outcome.retryable, false);
    assert.match(headerless.outcome.error ?? "", /no X-GitHub-Event header/);
  });

  it("by hand (no webhook metadata) the event type names the GitHub event", async () => {
    const r = await runLoaded(bundled("github"), {
      event: {
        type: "release",
        payload: { action: "published", release: { tag_name: "v2" }, repository: repo },
      },
    });
    assert.equal(responseOf(r).events?.[0]?.type, "github.release_published");
    assert.equal(responseOf(r).events?.[0]?.dedupe_key, undefined, "no delivery id, no dedupe key");
    const other = await runLoaded(bundled("github"), { event: { type: "alert" } });
    assert.match(other.outcome.error ?? "", /"alert" is not a GitHub event name/);
  });
});
