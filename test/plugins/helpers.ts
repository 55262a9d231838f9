import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const GOOD_SCRIPT = '#!/bin/sh\necho \'{"status":"ok"}\'\n';

/** A fresh temp root holding `plugins/` (returned) and room for things "outside" it. */
export function tempRoot(): { root: string; pluginsDir: string } {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "postern-")));
  const pluginsDir = path.join(root, "plugins");
  fs.mkdirSync(pluginsDir);
  return { root, pluginsDir };
}

export function removeRoot(root: string): void {
  fs.rmSync(root, { recursive: true, force: true });
}

export function manifestText(fields: Record<string, string> = {}): string {
  const base: Record<string, string> = {
    name: "foo",
    version: "1.0.0",
    protocol: "1",
    entrypoint: "run.sh",
    commands: "[poll, health]",
    ...fields,
  };
  return Object.entries(base)
    .filter(([, v]) => v !== "")
    .map(([k, v]) => `${k}: ${v}\n`)
    .join("");
}

/**
 * A real plugin directory with an executable entrypoint. `manifest` replaces manifest.yaml
 * (null: none); `script` false: no entrypoint file.
 */
export function makePlugin(
  pluginsDir: string,
  name: string,
  opts: { manifest?: string | null; script?: string | false; entrypoint?: string } = {},
): string {
  const dir = path.join(pluginsDir, name);
  fs.mkdirSync(dir);
  fs.chmodSync(dir, 0o755);
  const entrypoint = opts.entrypoint ?? "run.sh";
  const manifest = opts.manifest === undefined ? manifestText({ name, entrypoint }) : opts.manifest;
  if (manifest !== null) fs.writeFileSync(path.join(dir, "manifest.yaml"), manifest);
  if (opts.script !== false) {
    const file = path.join(dir, entrypoint);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, opts.script ?? GOOD_SCRIPT);
    fs.chmodSync(file, 0o755);
  }
  return dir;
}
