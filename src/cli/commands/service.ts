/**
 * `postern service unit [--user]` (docs/operations.md): a systemd unit for the install this runs from:
 * its own node and bin/postern by absolute path, the config this command would use, and the
 * state directory that config names as the one writable path.
 */
import { userInfo } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { loadConfig } from "../../config/index.js";
import { configPath, xdgStateDir } from "../config-file.js";
import { printLine } from "../output.js";

/** Node flags for the daemon under a service manager (contrib/postern.service sets the same). */
export const DAEMON_NODE_OPTIONS = "--max-semi-space-size=2";

const BIN = fileURLToPath(new URL("../../../../bin/postern", import.meta.url));

/** systemd splits ExecStart= on spaces and expands %: quote and escape what it would misread. */
function unitArg(s: string): string {
  const escaped = s.replaceAll("%", "%%");
  return /[\s"'\\$;]/.test(escaped)
    ? `"${escaped.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`
    : escaped;
}

export interface UnitInput {
  user: boolean;
  node: string;
  bin: string;
  config: string;
  stateDir: string;
  account: string | null;
}

export function systemdUnit(u: UnitInput): string {
  const start = `${unitArg(u.node)} ${unitArg(u.bin)}`;
  const cfg = `--config ${unitArg(u.config)}`;
  const lines = [
    `# systemd ${u.user ? "user " : ""}unit for Postern, written by \`postern service unit${u.user ? " --user" : ""}\``,
    `# for the install at ${dirname(dirname(u.bin))}. Install it (docs/operations.md):`,
    ...(u.user
      ? [
          "#   postern service unit --user > ~/.config/systemd/user/postern.service",
          "#   systemctl --user daemon-reload && systemctl --user enable --now postern",
          "#   loginctl enable-linger $USER   # keep it running while you are logged out",
          "#   journalctl --user -u postern -f",
        ]
      : [
          "#   postern service unit | sudo tee /etc/systemd/system/postern.service",
          "#   sudo systemctl daemon-reload && sudo systemctl enable --now postern",
          "#   journalctl -u postern -f",
        ]),
    "[Unit]",
    "Description=Postern personal integration gateway",
    "After=network-online.target",
    "Wants=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    ...(!u.user && u.account !== null ? [`User=${u.account}`] : []),
    // A young generation of at most 2 × 2 MB (V8's default grows to 2 × 8 MB and keeps it):
    // ~8 MB less idle RSS and a lower peak under load, no measured cost (docs/performance.md).
    `Environment=NODE_OPTIONS=${DAEMON_NODE_OPTIONS}`,
    // Secrets for ${VAR} interpolation (mode 0600), never in the unit or the YAML.
    `EnvironmentFile=-${unitArg(join(dirname(u.config), "env"))}`,
    `ExecStartPre=${start} config check ${cfg}`,
    `ExecStart=${start} start ${cfg}`,
    "ExecReload=/bin/kill -HUP $MAINPID",
    // SIGTERM to the daemon only: the job in flight gets its shutdown_grace (docs/operations.md).
    "KillMode=mixed",
    "KillSignal=SIGTERM",
    "TimeoutStopSec=30s",
    "Restart=on-failure",
    "RestartSec=5s",
    "",
    "# Hardening that leaves plugins working: they may use the network and write only under the",
    "# state directory (add ReadWritePaths= for anything else they need).",
    "NoNewPrivileges=yes",
    ...(u.user
      ? ["# (A user manager cannot apply ProtectSystem= and friends without user namespaces.)"]
      : [
          "PrivateTmp=yes",
          "ProtectSystem=strict",
          "ProtectHome=read-only",
          `ReadWritePaths=${unitArg(u.stateDir)}`,
          "ProtectKernelTunables=yes",
          "ProtectKernelModules=yes",
          "ProtectControlGroups=yes",
          "RestrictSUIDSGID=yes",
          "RestrictRealtime=yes",
          "LockPersonality=yes",
          "# Not MemoryDenyWriteExecute: Node's JIT (and many plugin interpreters) need W+X memory.",
        ]),
    "",
    "[Install]",
    `WantedBy=${u.user ? "default.target" : "multi-user.target"}`,
  ];
  return `${lines.join("\n")}\n`;
}

export function registerService(program: Command): void {
  const service = program.command("service").description("run Postern as a service");
  service
    .command("unit")
    .description("print a systemd unit for this install and the config it would use")
    .option("--user", "a user unit (systemctl --user) instead of a system one")
    .action((opts: { user?: boolean }, cmd: Command) => {
      const config = configPath(cmd.optsWithGlobals());
      const loaded = loadConfig(config, process.env);
      if (!loaded.ok)
        process.stderr.write(
          `note: ${config} does not load (run \`postern config check\`); the unit assumes state in ${xdgStateDir()}\n`,
        );
      const account = userInfo().username;
      printLine(
        systemdUnit({
          user: opts.user === true,
          node: process.execPath,
          bin: BIN,
          config,
          stateDir: loaded.ok ? loaded.config.service.state_dir : xdgStateDir(),
          account: account === "root" ? null : account,
        }).trimEnd(),
      );
    });
}
