/** Who holds a busy listen address: only a /healthz answered in Postern's shape names a daemon. */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import { addressInUseMessage, probePostern } from "../../src/http/port-holder.js";

const servers: Server[] = [];
after(() => {
  for (const s of servers) s.closeAllConnections();
  for (const s of servers) s.close();
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<number> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return (server.address() as AddressInfo).port;
}

describe("probePostern", () => {
  it("recognises Postern's /healthz (ok or degraded)", async () => {
    const port = await serve((_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          status: "ok",
          uptime_seconds: 468,
          queue_depth: 3,
          plugins_loaded: 2,
          plugins_enabled: 2,
          plugins_circuit_open: 0,
        }),
      );
    });
    const holder = await probePostern("127.0.0.1", port);
    assert.deepEqual(holder, { uptimeSeconds: 468, queueDepth: 3 });
    assert.equal(
      addressInUseMessage("127.0.0.1", port, "/etc/postern.yaml", holder),
      `cannot listen on 127.0.0.1:${port} (webhooks.listen): EADDRINUSE: another Postern daemon is listening there ` +
        "(its /healthz answers: up 7m48s, 3 jobs queued); change webhooks.listen in /etc/postern.yaml to a free port, " +
        "or stop that daemon",
    );
  });

  it("another service's health endpoint, a 404, or silence is not Postern", async () => {
    const other = await serve((_req, res) => res.end('{"status":"ok"}'));
    assert.equal(await probePostern("127.0.0.1", other), null);
    const missing = await serve((_req, res) => {
      res.statusCode = 404;
      res.end("not found");
    });
    assert.equal(await probePostern("127.0.0.1", missing), null);
    const silent = await serve(() => {});
    const started = Date.now();
    assert.equal(await probePostern("127.0.0.1", silent, 200), null);
    assert.ok(Date.now() - started < 5000, "the probe gives up at its timeout");
  });
});
