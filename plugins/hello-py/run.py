#!/usr/bin/env python3
"""hello-py: the Python example. poll counts in state and emits `hello`; handle answers any
event with `hello.reply`. See README.md and docs/plugin-authoring.md."""
import os
import sys

# The helper is one file in this checkout (src/sdk/python). Found from this file's real
# location, so the core's working directory does not matter; no bytecode is written there.
sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "src", "sdk", "python"))

from postern_plugin import ConfigError, define_plugin  # noqa: E402


def greeting(ctx):
    value = ctx.config.get("greeting", "hello")
    if not isinstance(value, str):
        raise ConfigError("config.greeting must be a string")
    return value


def poll(ctx):
    count = ctx.state.get("count", 0) + 1
    ctx.log.info("poll #%d" % count)
    return {
        "events": [{"type": "hello", "payload": {"greeting": greeting(ctx), "count": count}}],
        "state_updates": {"count": count},
    }


def handle(ctx):
    event = ctx.event
    return {
        "events": [
            {
                "type": "hello.reply",
                "payload": {"greeting": greeting(ctx), "in_reply_to": event["type"], "event_id": event["event_id"]},
            }
        ]
    }


def health(ctx):
    ctx.log.info("healthy; %d polls so far" % ctx.state.get("count", 0))


define_plugin(poll=poll, handle=handle, health=health)
