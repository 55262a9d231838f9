/**
 * The clean environment of a plugin process (SPEC §4.3). The core's own environment holds
 * every plugin's secrets for interpolation, so it is never passed on wholesale.
 */
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
  return env;
}
