"""Fault injection: make the next N matching ``/api/v1`` calls fail the way real networks and servers do.

A fault is ``{"kind": K, "route": "POST /api/v1/entry" | "*", "count": N, "delay": s, ...}``
(``route`` defaults to ``"*"``, ``count`` to 1; the route may omit ``/api/v1``: ``"POST /entry"``).
Faults are kept in order; a call fires the first pending fault whose route matches, and a fault is
dropped once it has fired ``count`` times, so ``[{"kind": "429_html"}, {"kind": "503"}]`` answers the
next call with the HTML 429 and the one after with the 503.

A fault fires only on a call that passed auth, the rate budget and the concurrency cap (it consumed
budget and holds its in-flight slot while it sleeps). Kinds:

- ``429``        429 ``ERR-TOO-MANY-REQUEST`` envelope, ``X-Rate-Limit-Remaining: 0`` and
                 ``X-Rate-Limit-Reset`` ``reset_after`` (default 0.2) seconds ahead; nothing written.
- ``429_html``   429, ``text/html`` body ``<html>Too Many Requests</html>``, as a proxy would answer:
                 no ``request-id``, no ``X-Rate-Limit-*`` headers; nothing written.
- ``503``        503 ``{"error": {"code": "ERR-API-UNDER-MAINTENANCE", "message": ..., "details": ""}}``.
- ``500``        500 ``ERR-INTERNAL`` envelope; nothing written.
- ``401``        401 ``ERR-INVALID-API-JWT`` envelope (B21); nothing written.
- ``non_json``   ``status`` (default 502) with a ``text/plain`` non-JSON body, proxy-like (no
                 ``request-id``, no ``X-Rate-Limit-*``); nothing written.
- ``latency``    sleep ``delay`` (default 1 s) without blocking other calls, then answer normally.
- ``commit_then_drop``  perform the call (the entry IS stored), then close the socket without sending
                 a single byte of the answer: the client sees a connection error.
- ``timeout``    sleep ``delay`` (default 5 s), then perform the call and answer; with
                 ``"commit": "before"`` the write is performed first and the answer comes after the
                 sleep. The write happens even if the client gave up meanwhile.

The error kinds accept ``"code"`` to change ``error.code``.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from gisync.simulator.myunisoft.ratelimit import Tally

API_PREFIX = "/api/v1"
KINDS = ("429", "429_html", "503", "500", "401", "non_json", "latency", "commit_then_drop", "timeout")
DEFAULT_DELAY = {"latency": 1.0, "timeout": 5.0}
ERROR_KINDS = {  # kind -> (status, default code, message)
    "429": (429, "ERR-TOO-MANY-REQUEST", "Trop de requêtes."),
    "503": (503, "ERR-API-UNDER-MAINTENANCE", "L'API est en maintenance."),
    "500": (500, "ERR-INTERNAL", "Erreur interne."),
    "401": (401, "ERR-INVALID-API-JWT", "Le jeton d'API est invalide."),
}
FIELDS = {"kind", "route", "count", "delay", "commit", "code", "status", "reset_after"}


def route_key(method: str, path: str) -> str:
    """``"METHOD /api/v1/path"``: the key of ``/_sim/calls`` and of fault routes."""
    return f"{method.upper()} {path.rstrip('/') or '/'}"


def normalize_route(route: Any) -> str:
    """``"*"``, or ``"METHOD /api/v1/..."`` from ``"post /entry"``, ``"POST api/v1/entry"``..."""
    if route is None or route == "*":
        return "*"
    if not isinstance(route, str) or len(route.split()) != 2:
        raise ValueError(f"fault route must be '*' or 'METHOD /path', not {route!r}")
    method, path = route.split()
    path = "/" + path.strip("/")
    if path != API_PREFIX and not path.startswith(API_PREFIX + "/"):
        path = API_PREFIX + path
    return route_key(method, path)


@dataclass
class Fault:
    kind: str
    route: str = "*"
    count: int = 1
    delay: float = 0.0
    commit: str = "after"
    code: str | None = None
    status: int = 502
    reset_after: float = 0.2

    @classmethod
    def parse(cls, raw: Any) -> Fault:
        """Validate one fault dict; ValueError names what is wrong."""
        if not isinstance(raw, dict):
            raise ValueError(f"a fault is an object, not {raw!r}")
        unknown = set(raw) - FIELDS
        if unknown:
            raise ValueError(f"unknown fault field(s): {sorted(unknown)}")
        kind = str(raw.get("kind"))
        if kind not in KINDS:
            raise ValueError(f"fault kind must be one of {list(KINDS)}, not {raw.get('kind')!r}")
        count, delay = raw.get("count", 1), raw.get("delay", DEFAULT_DELAY.get(kind, 0.0))
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError(f"fault count must be an integer >= 1, not {count!r}")
        if isinstance(delay, bool) or not isinstance(delay, int | float | Decimal) or delay < 0:
            raise ValueError(f"fault delay must be a number of seconds >= 0, not {delay!r}")
        commit = raw.get("commit", "after")
        if commit not in ("before", "after"):
            raise ValueError(f"fault commit must be 'before' or 'after', not {commit!r}")
        status = raw.get("status", 502)
        if isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599:
            raise ValueError(f"fault status must be an HTTP status, not {status!r}")
        code = raw.get("code")
        if code is not None and not isinstance(code, str):
            raise ValueError(f"fault code must be text, not {code!r}")
        reset_after = raw.get("reset_after", 0.2)
        if isinstance(reset_after, bool) or not isinstance(reset_after, int | float | Decimal) or reset_after < 0:
            raise ValueError(f"fault reset_after must be a number >= 0, not {reset_after!r}")
        return cls(kind, normalize_route(raw.get("route", "*")), count, float(delay), commit, code, status,
                   float(reset_after))  # fmt: skip

    def matches(self, route: str) -> bool:
        return self.route in ("*", route)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_faults(raw: Any) -> list[Fault]:
    """One fault dict or a list of them."""
    items = raw if isinstance(raw, list) else [raw]
    return [Fault.parse(item) for item in items]


def parse_cli_fault(text: str) -> dict[str, Any]:
    """``KIND[:ROUTE[:COUNT[:DELAY]]]``, e.g. ``commit_then_drop:POST /api/v1/entry:1`` (ROUTE may be ``*``)."""
    parts = text.split(":")
    if not parts[0] or len(parts) > 4:
        raise ValueError(f"--fault expects KIND[:ROUTE[:COUNT[:DELAY]]], not {text!r}")
    fault: dict[str, Any] = {"kind": parts[0]}
    if len(parts) > 1 and parts[1]:
        fault["route"] = parts[1]
    if len(parts) > 2 and parts[2]:
        fault["count"] = int(parts[2])
    if len(parts) > 3 and parts[3]:
        fault["delay"] = float(parts[3])
    Fault.parse(fault)
    return fault


class FaultQueue:
    """Pending faults, in order; ``take`` fires (and counts) the first one matching a route."""

    def __init__(self, initial: list[Fault] | None = None) -> None:
        self._lock = threading.Lock()
        self._initial = [Fault(**f.as_dict()) for f in initial or []]
        self._pending: list[Fault] = [Fault(**f.as_dict()) for f in self._initial]
        self.fired = Tally()

    def add(self, faults: list[Fault]) -> None:
        with self._lock:
            self._pending.extend(faults)

    def clear(self) -> None:
        with self._lock:
            self._pending = []

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.as_dict() for f in self._pending]

    def take(self, route: str) -> Fault | None:
        with self._lock:
            for index, fault in enumerate(self._pending):
                if fault.matches(route):
                    fault.count -= 1
                    if fault.count <= 0:
                        del self._pending[index]
                    self.fired.add(fault.kind)
                    return Fault(**{**fault.as_dict(), "count": 1})
            return None

    def reset(self) -> None:
        """Back to the faults given at start; the fired counts are zeroed."""
        with self._lock:
            self._pending = [Fault(**f.as_dict()) for f in self._initial]
        self.fired.reset()


class ConnectionDropped(Exception):
    """Raised after uvicorn marked the response started but before it wrote a byte: it closes the socket."""


class DropConnection(Response):
    """A response that is never sent: the connection is closed instead (``commit_then_drop``).

    uvicorn sets "response started" before it validates the headers of ``http.response.start``; an
    invalid header name makes it refuse to write anything, and the exception we then raise makes it
    close the transport (it does not send its own 500 once a response has started).
    """

    def __init__(self) -> None:
        super().__init__(status_code=200)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send({"type": "http.response.start", "status": 200, "headers": [(b"drop connection", b"")]})
        except Exception as exc:
            raise ConnectionDropped("commit_then_drop: connection closed without an answer") from exc
        # A server that wrote the (invalid) head anyway: the body never comes, the socket still closes.
        raise ConnectionDropped("commit_then_drop: connection closed after the head")


def _is_drop(exc: BaseException | None, depth: int = 0) -> bool:
    if exc is None or depth > 8:
        return False
    if isinstance(exc, ConnectionDropped):
        return True
    nested = getattr(exc, "exceptions", None) or ()
    return any(_is_drop(e, depth + 1) for e in nested) or _is_drop(exc.__cause__ or exc.__context__, depth + 1)


class _QuietDrops(logging.Filter):
    """Hide uvicorn's "Exception in ASGI application" traceback for a deliberate drop."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and _is_drop(record.exc_info[1]))


def silence_drop_tracebacks() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _QuietDrops) for f in logger.filters):
        logger.addFilter(_QuietDrops())
