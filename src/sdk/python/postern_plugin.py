"""Postern plugin helper for Python (protocol v1). One file, standard library only, Python 3.8+.

    from postern_plugin import define_plugin, fail

    def poll(ctx):
        count = ctx.state.get("count", 0) + 1
        return {"events": [{"type": "tick", "payload": {"count": count}}],
                "state_updates": {"count": count}}

    define_plugin(poll=poll)

Same semantics as the JavaScript SDK (docs/plugin-authoring.md): the request is read from stdin
and validated; a returned dict (or None) becomes `status: ok`; a raised exception becomes
`status: error` (PluginError / fail() choose `retry`, ConfigError exits 78); print() goes to
stderr, so exactly one response reaches stdout; DeadlineExceeded is raised inside the handler a
little before `deadline_at`.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import traceback
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional, Tuple

PROTOCOL = 1
EX_DATAERR = 65
EX_TEMPFAIL = 75
EX_CONFIG = 78
COMMANDS = ("poll", "handle", "health", "init")
LEVELS = ("debug", "info", "warn", "error")
MAX_EVENTS = 1000
MAX_MARGIN_SECONDS = 1.0


class PluginError(Exception):
    """A failure the core should see as `status: error` with this `retry`."""

    def __init__(self, message: str, retry: bool = True, exit_code: int = 0):
        super().__init__(message)
        self.message = message
        self.retry = retry
        self.exit_code = exit_code


class ConfigError(PluginError):
    """The plugin's config is wrong: exit 78, never retried (a retry cannot fix it)."""

    def __init__(self, message: str):
        super().__init__(message, retry=False, exit_code=EX_CONFIG)


class DeadlineExceeded(PluginError):
    """Raised in the handler shortly before the core's deadline; retried."""

    def __init__(self, message: str):
        super().__init__(message, retry=True)


def fail(message: str, retry: bool = True) -> None:
    raise PluginError(message, retry=retry)


def require(config: Dict[str, Any], *keys: str) -> None:
    """ConfigError naming every key that is missing or empty."""
    missing = [k for k in keys if config.get(k) in (None, "")]
    if missing:
        raise ConfigError("missing config: " + ", ".join("config." + k for k in missing))


def _parse_time(text: Any) -> Optional[datetime]:
    if not isinstance(text, str):
        return None
    try:
        # fromisoformat accepts "Z" only from Python 3.11 on.
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


class _Log:
    def __init__(self, into: List[Dict[str, str]]):
        self._into = into

    def _add(self, level: str, message: Any) -> None:
        self._into.append({"level": level, "message": str(message)})

    def debug(self, message: Any) -> None:
        self._add("debug", message)

    def info(self, message: Any) -> None:
        self._add("info", message)

    def warn(self, message: Any) -> None:
        self._add("warn", message)

    def error(self, message: Any) -> None:
        self._add("error", message)


class Context:
    """What a handler gets: the request's parts, a log collector and the deadline."""

    def __init__(self, request: Dict[str, Any], deadline: datetime, logs: List[Dict[str, str]]):
        self.request = request
        self.command: str = request["command"]
        self.config: Dict[str, Any] = request["config"]
        self.state: Dict[str, Any] = request["state"]
        self.event: Optional[Dict[str, Any]] = request.get("event")
        self.attempt: int = request["attempt"]
        self.job_id: str = request["job_id"]
        self.deadline = deadline
        self.log = _Log(logs)

    def remaining(self) -> float:
        """Seconds until the deadline (use it as a timeout for sockets and subprocesses)."""
        return max(0.0, self.deadline.timestamp() - time.time())

    @property
    def webhook(self) -> Optional[Dict[str, Any]]:
        """The webhook metadata (path, lower-cased headers, query, content_type), if any."""
        hook = (self.event or {}).get("webhook")
        return hook if isinstance(hook, dict) else None


def _validate_request(value: Any) -> Optional[str]:
    if not isinstance(value, dict):
        return "the request must be a JSON object"
    if value.get("protocol") != PROTOCOL or isinstance(value.get("protocol"), bool):
        return "protocol must be 1, got %s" % json.dumps(value.get("protocol"))
    if value.get("command") not in COMMANDS:
        return "command must be one of " + ", ".join(COMMANDS)
    attempt = value.get("attempt")
    if not isinstance(attempt, int) or isinstance(attempt, bool) or attempt < 1:
        return "attempt must be a whole number >= 1"
    for key in ("job_id", "deadline_at"):
        if not isinstance(value.get(key), str):
            return key + " must be a string"
    for key in ("config", "state"):
        if not isinstance(value.get(key), dict):
            return key + " must be an object"
    event = value.get("event")
    if event is not None:
        if not isinstance(event, dict):
            return "event must be an object"
        for key in ("event_id", "type", "source", "timestamp"):
            if not isinstance(event.get(key), str):
                return "event." + key + " must be a string"
    if _parse_time(value["deadline_at"]) is None:
        return "deadline_at is not an ISO 8601 time"
    return None


def _error(message: str, retry: bool, logs: List[Dict[str, str]]) -> Dict[str, Any]:
    response: Dict[str, Any] = {"protocol": PROTOCOL, "status": "error", "error": message, "retry": retry}
    if logs:
        response["logs"] = logs
    return response


def _check_result(result: Any) -> Optional[str]:
    if not isinstance(result, dict):
        return "a handler must return a dict or None, got %s" % type(result).__name__
    events = result.get("events", [])
    if not isinstance(events, list) or len(events) > MAX_EVENTS:
        return "events must be a list of at most %d events" % MAX_EVENTS
    for i, event in enumerate(events):
        if not isinstance(event, dict) or not isinstance(event.get("type"), str) or not event["type"]:
            return "events[%d] needs a non-empty string type" % i
    if not isinstance(result.get("state_updates", {}), dict):
        return "state_updates must be a dict"
    if not isinstance(result.get("state_replace", False), bool):
        return "state_replace must be true or false"
    for entry in result.get("logs", []) or []:
        if not isinstance(entry, dict) or entry.get("level") not in LEVELS:
            return "each log entry needs a level of " + "/".join(LEVELS)
    return None


def _ok(result: Dict[str, Any], logs: List[Dict[str, str]]) -> Dict[str, Any]:
    response: Dict[str, Any] = {"protocol": PROTOCOL, "status": "ok"}
    for key in ("events", "state_updates", "state_replace"):
        if key in result:
            response[key] = result[key]
    all_logs = logs + list(result.get("logs") or [])
    if all_logs:
        response["logs"] = all_logs
    return response


def _arm_deadline(deadline: datetime, margin: Optional[float]) -> Callable[[], None]:
    left = deadline.timestamp() - time.time()
    margin = min(MAX_MARGIN_SECONDS, max(0.0, left) / 10) if margin is None else margin

    def on_alarm(_signum: int, _frame: Any) -> None:
        raise DeadlineExceeded(
            "deadline reached: gave up %d ms before deadline_at %s" % (margin * 1000, deadline.isoformat())
        )

    # SIGALRM interrupts blocking calls in the main thread, which is where handlers run.
    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, max(0.001, left - margin))

    def disarm() -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

    return disarm


def respond(handlers: Dict[str, Callable[[Context], Any]], text: str,
            margin: Optional[float] = None) -> Tuple[Dict[str, Any], int]:
    """One request text in, (response, exit status) out. No I/O: usable from unit tests."""
    logs: List[Dict[str, str]] = []
    try:
        request = json.loads(text)
    except ValueError as e:
        return _error("invalid request: stdin is not JSON (%s)" % e, False, logs), EX_DATAERR
    problem = _validate_request(request)
    if problem:
        return _error("invalid request: " + problem, False, logs), EX_DATAERR
    handler = handlers.get(request["command"])
    if handler is None:
        return _error('this plugin has no handler for "%s"' % request["command"], False, logs), 0
    if request["command"] == "handle" and not isinstance(request.get("event"), dict):
        return _error("handle request without an event", False, logs), 0

    deadline = _parse_time(request["deadline_at"])
    assert deadline is not None
    disarm = _arm_deadline(deadline, margin)
    try:
        # The alarm may still fire while disarming: the outer handlers catch that too.
        try:
            result = handler(Context(request, deadline, logs))
        finally:
            disarm()
    except PluginError as e:
        if e.exit_code != 0:
            sys.stderr.write(e.message + "\n")
        return _error(e.message, e.retry, logs), e.exit_code
    except Exception as e:  # noqa: BLE001 - any failure of the handler is the plugin's answer
        traceback.print_exc(file=sys.stderr)
        return _error("%s: %s" % (type(e).__name__, e), True, logs), 0
    result = {} if result is None else result
    problem = _check_result(result)
    if problem:
        return _error("the handler returned an invalid result: " + problem, False, logs), 0
    response = _ok(result, logs)
    try:
        json.dumps(response, allow_nan=False)
    except (TypeError, ValueError) as e:
        return _error("the handler returned something that is not JSON: %s" % e, False, logs), 0
    return response, 0


def define_plugin(poll: Optional[Callable[[Context], Any]] = None,
                  handle: Optional[Callable[[Context], Any]] = None,
                  health: Optional[Callable[[Context], Any]] = None,
                  init: Optional[Callable[[Context], Any]] = None,
                  margin: Optional[float] = None) -> None:
    """Read the request on stdin, run the handler for its command, write one response, exit.

    The process ends here (os._exit): nothing after the call runs."""
    out = sys.stdout
    # Anything printed by the handler or a library is a diagnostic, not a second response.
    sys.stdout = sys.stderr
    if sys.stdin.isatty():
        sys.stderr.write("reading a protocol v1 request from stdin (end it with Ctrl-D)\n")
    raw = sys.stdin.buffer.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        response, code = _error("invalid request: stdin is not UTF-8", False, []), EX_DATAERR
    else:
        handlers = {"poll": poll, "handle": handle, "health": health, "init": init}
        response, code = respond({k: v for k, v in handlers.items() if v is not None}, text, margin)
    out.write(json.dumps(response) + "\n")
    out.flush()
    sys.stderr.flush()
    # A thread the handler left running must not keep a plugin that has answered alive until
    # the core's deadline kills it.
    os._exit(code)
