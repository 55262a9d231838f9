/**
 * The clean environment of a plugin process (docs/plugins.md, "The process"). The core's own environment holds
 * every plugin's secrets for interpolation, so it is never passed on wholesale.
 */
import { fileURLToPath } from "node:url";

/**
 * Where this install's SDKs are, handed to every plugin so one written anywhere finds them
 * (docs/operations.md): an ESM import of a global install's package fails (ESM does not search global
 * prefixes), and a plugin's path relative to a checkout breaks when it is copied.
 */
export const SDK_URL = new URL("../sdk/index.js", import.meta.url).href;
export const SDK_PYTHON_DIR = fileURLToPath(new URL("../../../src/sdk/python", import.meta.url));

const PASSED_THROUGH = ["PATH", "HOME", "USER", "LANG", "LC_ALL", "TZ", "TMPDIR"] as const;

export function pluginEnvironment(
  coreEnv: Record<string, string | undefined>,
  ids: { plugin: string; command: string; jobId: string },
  pluginEnv: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of PASSED_THROUGH) {
    const value = coreEnv[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, pluginEnv);
  // Set last: a plugin's env block must not be able to lie about which job this is.
  env.POSTERN_PLUGIN = ids.plugin;
  env.POSTERN_COMMAND = ids.command;
  env.POSTERN_JOB_ID = ids.jobId;
  env.POSTERN_SDK = SDK_URL;
  env.POSTERN_SDK_PYTHON = SDK_PYTHON_DIR;
  return env;
}
