/** `postern doctor [--json] [--fix]` (docs/operations.md): see ../doctor.ts. Exit 1 on any FAIL. */
import type { Command } from "commander";
import { configPath } from "../config-file.js";
import { runDoctor } from "../doctor.js";
import { markFailed, printJson, printLine } from "../output.js";

export function registerDoctor(program: Command): void {
  program
    .command("doctor")
    .description("check the host: config, state dir, lock, database, disk, plugins' trust, port, clock, Node")
    .option("--json", "machine-readable output")
    .option("--fix", "switch an old database to incremental auto-vacuum (only while no daemon runs)")
    .action(async (opts: { json?: boolean; fix?: boolean }, cmd: Command) => {
      const checks = await runDoctor(configPath(cmd.optsWithGlobals()), { fix: opts.fix === true });
      const failed = checks.some((c) => c.status === "FAIL");
      if (failed) markFailed();
      if (opts.json) {
        printJson({ ok: !failed, checks });
        return;
      }
      const width = Math.max(...checks.map((c) => c.name.length));
      for (const c of checks) {
        printLine(`${c.status.padEnd(4)}  ${c.name.padEnd(width)}  ${c.message}`);
        if (c.fix !== null) printLine(`${" ".repeat(width + 8)}→ ${c.fix}`);
      }
      const counts = (["FAIL", "WARN"] as const).map(
        (s) => `${checks.filter((c) => c.status === s).length} ${s}`,
      );
      printLine(`\n${failed ? "problems found" : "no failures"}: ${counts.join(", ")}`);
    });
}
