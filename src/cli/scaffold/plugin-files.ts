/** What `postern new plugin` writes for each language: manifest, entrypoint, sample event. */
export type Lang = "js" | "py" | "sh";
export const LANGS: readonly Lang[] = ["js", "py", "sh"];

export const ENTRYPOINT: Record<Lang, string> = { js: "run.mjs", py: "run.py", sh: "run.sh" };

export function manifestFile(name: string, lang: Lang): string {
  return `name: ${name}
version: 0.1.0
protocol: 1
entrypoint: ${ENTRYPOINT[lang]}
description: ${name} (written by postern new plugin; say what it does)
commands: [poll, handle]
config_keys:
  required: []
  optional: [greeting]
`;
}

export function sampleEvent(name: string): string {
  return `${JSON.stringify({ type: "sample", payload: { text: `a sample event for ${name}` } }, null, 2)}\n`;
}

export function entrypointFile(name: string, lang: Lang): string {
  if (lang === "js")
    return `#!/usr/bin/env node
// ${name}: poll emits a \`${name}.tick\` event with a counter kept in state; handle answers an
// event with \`${name}.seen\`. Try it: postern exec ${name} poll   (docs/plugin-authoring.md)
//
// The SDK comes from the Postern that runs this plugin: it sets POSTERN_SDK to its SDK's URL,
// so this works with a checkout, a global install or a tarball install alike.
const { definePlugin } = await import(process.env.POSTERN_SDK ?? "postern/plugin");

definePlugin({
  poll: async (ctx) => {
    const count = (ctx.state.count ?? 0) + 1;
    ctx.log.info(\`poll #\${count}\`);
    return {
      events: [{ type: "${name}.tick", payload: { greeting: ctx.config.greeting ?? "hello", count } }],
      state_updates: { count },
    };
  },
  handle: async (ctx) => ({
    events: [{ type: "${name}.seen", payload: { type: ctx.event.type, payload: ctx.event.payload } }],
  }),
});
`;
  if (lang === "py")
    return `#!/usr/bin/env python3
"""${name}: poll emits a \`${name}.tick\` event with a counter kept in state; handle answers an
event with \`${name}.seen\`. Try it: postern exec ${name} poll   (docs/plugin-authoring.md)"""
import os
import sys

# The helper comes from the Postern that runs this plugin (POSTERN_SDK_PYTHON is its directory);
# a copy of postern_plugin.py beside this file works too.
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ.get("POSTERN_SDK_PYTHON") or os.path.dirname(os.path.realpath(__file__)))

from postern_plugin import define_plugin  # noqa: E402


def poll(ctx):
    count = ctx.state.get("count", 0) + 1
    ctx.log.info("poll #%d" % count)
    return {
        "events": [{"type": "${name}.tick", "payload": {"greeting": ctx.config.get("greeting", "hello"), "count": count}}],
        "state_updates": {"count": count},
    }


def handle(ctx):
    return {"events": [{"type": "${name}.seen", "payload": {"type": ctx.event["type"], "payload": ctx.event["payload"]}}]}


define_plugin(poll=poll, handle=handle)
`;
  return `#!/bin/sh
# ${name}: poll emits a \`${name}.tick\` event; handle answers with \`${name}.seen\`. POSIX sh, no
# jq: it does not parse the request. Try it: postern exec ${name} poll   (docs/plugin-authoring.md)
set -eu
cat >/dev/null   # read the request (unused here)
echo "${name}: $POSTERN_COMMAND for job $POSTERN_JOB_ID" >&2   # diagnostics go to stderr
case "$POSTERN_COMMAND" in
  poll)
    printf '{"protocol":1,"status":"ok","events":[{"type":"${name}.tick","payload":{"job_id":"%s"}}]}\\n' "$POSTERN_JOB_ID"
    ;;
  handle)
    printf '{"protocol":1,"status":"ok","events":[{"type":"${name}.seen","payload":{"job_id":"%s"}}]}\\n' "$POSTERN_JOB_ID"
    ;;
  *)
    printf '{"protocol":1,"status":"error","error":"${name} has no %s command","retry":false}\\n' "$POSTERN_COMMAND"
    ;;
esac
`;
}
