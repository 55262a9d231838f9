/**
 * The daemon under a service manager runs with a capped young generation (issue 21 item 3,
 * docs/performance.md): the generated unit and the one in contrib/ set the same flag.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DAEMON_NODE_OPTIONS, systemdUnit } from "../../src/cli/commands/service.js";
import { repoRoot } from "../helpers/paths.js";

describe("service units: the daemon's node flags", () => {
  it("the generated unit and contrib/postern.service both set NODE_OPTIONS to the capped semi-space", () => {
    assert.equal(DAEMON_NODE_OPTIONS, "--max-semi-space-size=2");
    const line = `Environment=NODE_OPTIONS=${DAEMON_NODE_OPTIONS}`;
    for (const user of [false, true]) {
      const unit = systemdUnit({
        user,
        node: "/usr/bin/node",
        bin: "/opt/postern/bin/postern",
        config: "/etc/postern/postern.yaml",
        stateDir: "/var/lib/postern",
        account: null,
      });
      const lines = unit.split("\n");
      assert.ok(lines.includes(line), unit);
      // Before the environment file, so an operator's NODE_OPTIONS there wins.
      assert.ok(lines.indexOf(line) < lines.findIndex((l) => l.startsWith("EnvironmentFile=")));
    }
    const contrib = readFileSync(join(repoRoot, "contrib", "postern.service"), "utf8").split("\n");
    assert.ok(contrib.includes(line), "contrib/postern.service");
  });

  it("the flag is one this node accepts (a typo would stop the service from starting)", async () => {
    const { spawnSync } = await import("node:child_process");
    const r = spawnSync(process.execPath, ["-e", "0"], {
      env: { ...process.env, NODE_OPTIONS: DAEMON_NODE_OPTIONS },
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
  });
});
