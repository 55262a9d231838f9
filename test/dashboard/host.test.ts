/**
 * The dashboard answers only to loopback Host names, the listen address and
 * dashboard.allowed_hosts (DNS rebinding, docs/dashboard.md); webhooks and /healthz are not
 * affected.
 */
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, it } from "node:test";
import { dashboardHostAllowed, hostName } from "../../src/http/dashboard/host.js";
import { type DashDaemon, startDashDaemon } from "./helpers.js";

describe("dashboardHostAllowed", () => {
  const opts = { allowedHosts: ["postern.example.org"], listenHost: "127.0.0.1" };
  it("takes loopback names and addresses, with or without a port", () => {
    for (const h of [
      "localhost",
      "LOCALHOST:8081",
      "app.localhost",
      "127.0.0.1",
      "127.9.9.9:1",
      "[::1]:8081",
      "localhost.",
    ]) {
      assert.equal(dashboardHostAllowed(h, opts), true, h);
    }
  });
  it("takes the configured names and the listen address; a missing Host is not a browser", () => {
    assert.equal(dashboardHostAllowed("Postern.Example.org:443", opts), true);
    assert.equal(dashboardHostAllowed("192.168.1.5:8081", { ...opts, listenHost: "192.168.1.5" }), true);
    assert.equal(dashboardHostAllowed(undefined, opts), true);
  });
  it("refuses any other name: a rebinding attacker's, an unlisted proxy name, a wildcard bind", () => {
    for (const h of [
      "evil.example",
      "127.0.0.1.evil.example",
      "localhost.evil.example",
      "[::2]",
      "0.0.0.0",
    ]) {
      assert.equal(dashboardHostAllowed(h, opts), false, h);
    }
    assert.equal(dashboardHostAllowed("10.0.0.1", { ...opts, listenHost: "0.0.0.0" }), false);
  });
  it("hostName strips port and trailing dot, keeps IPv6 brackets", () => {
    assert.equal(hostName("Example.ORG.:80"), "example.org");
    assert.equal(hostName("[::1]:8081"), "[::1]");
  });
});

function getWithHost(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { host } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => {
        body += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("dashboard Host check on the listener (real daemon)", () => {
  let d: DashDaemon;
  before(async () => {
    d = await startDashDaemon({ allowedHosts: ["postern.example.org"] });
  });
  after(async () => {
    await d?.stop();
  });

  it("a foreign Host gets 403 with what to do; loopback and listed names get the page", async () => {
    const refused = await getWithHost(d.port, "/jobs", "evil.example");
    assert.equal(refused.status, 403);
    assert.match(refused.body, /dashboard\.allowed_hosts/);
    assert.doesNotMatch(refused.body, /<table/);
    assert.equal((await getWithHost(d.port, "/jobs", `localhost:${d.port}`)).status, 200);
    assert.equal((await getWithHost(d.port, "/", "postern.example.org")).status, 200);
  });

  it("/healthz does not care about Host", async () => {
    assert.equal((await getWithHost(d.port, "/healthz", "evil.example")).status, 200);
  });
});
