// The small process of the spawner experiment (bench/experiments/spawner.mjs): it forks the plugin
// for its parent and relays the plugin's stdio over the IPC channel. Nothing but node:child_process
// is loaded, so it stays at a bare Node's size, and the fork it pays is a small process's fork.
import { spawn } from "node:child_process";

process.on("disconnect", () => process.exit(0));
process.on("message", (m) => {
  const child = spawn(m.file, [], {
    cwd: m.cwd,
    env: m.env,
    detached: true,
    stdio: ["pipe", "pipe", "pipe"],
  });
  process.send({ id: m.id, type: "spawned", pid: child.pid ?? null });
  child.on("error", (e) => process.send({ id: m.id, type: "error", code: e.code }));
  child.stdout.on("data", (c) => process.send({ id: m.id, type: "stdout", data: c.toString("latin1") }));
  child.stderr.on("data", (c) => process.send({ id: m.id, type: "stderr", data: c.toString("latin1") }));
  child.on("close", (code, signal) => process.send({ id: m.id, type: "close", code, signal }));
  child.stdin.on("error", () => {});
  child.stdin.end(m.input);
});
