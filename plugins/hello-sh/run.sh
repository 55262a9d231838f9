#!/bin/sh
# hello-sh: a plugin in POSIX sh, no jq. It does not parse the request: what it needs comes
# from the environment the core sets (POSTERN_COMMAND, POSTERN_JOB_ID, POSTERN_PLUGIN).
set -eu

# Read the request even though it is unused: the core writes it, and a plugin that leaves
# stdin unread only works because the core forgives the EPIPE.
cat >/dev/null

# Everything but the one response goes to stderr (the core keeps it with the attempt).
echo "hello-sh: $POSTERN_COMMAND for job $POSTERN_JOB_ID" >&2

now=$(date -u +%Y-%m-%dT%H:%M:%SZ)

case "$POSTERN_COMMAND" in
  poll)
    # Only values known to be JSON-safe (a UUID, a timestamp) are pasted into the JSON.
    printf '{"protocol":1,"status":"ok","events":[{"type":"hello","payload":{"from":"sh","at":"%s","job_id":"%s"}}],"logs":[{"level":"info","message":"said hello at %s"}]}\n' \
      "$now" "$POSTERN_JOB_ID" "$now"
    ;;
  health)
    printf '{"protocol":1,"status":"ok","logs":[{"level":"info","message":"sh is fine"}]}\n'
    ;;
  *)
    printf '{"protocol":1,"status":"error","error":"hello-sh has no %s command","retry":false}\n' "$POSTERN_COMMAND"
    ;;
esac
