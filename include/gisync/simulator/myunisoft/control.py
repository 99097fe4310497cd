"""Control routes under ``/_sim`` (no auth, not rate limited): how tests and the demo look inside.

- ``GET /_sim/entries``  stored entries (request body + ids), oldest first
- ``GET /_sim/calls``    ``{"writes": {"POST /api/v1/entry": n, ...}, "reads": {...}, "total": n}``
- ``POST /_sim/reset``   back to the initial state; counters and rate windows zeroed
- ``GET /_sim/state``    the whole state
- ``PATCH /_sim/state``  body's top-level keys replace the state's (e.g. close a fiscal year)
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from gisync.simulator.myunisoft.api_routes import Body
from gisync.simulator.myunisoft.errors import bad_request, json_response
from gisync.simulator.myunisoft.ratelimit import CallCounter, RateLimiter
from gisync.simulator.myunisoft.state import Store


def build_control_router(store: Store, limiter: RateLimiter, calls: CallCounter) -> APIRouter:
    router = APIRouter(prefix="/_sim")

    @router.get("/entries")
    def entries() -> Response:
        with store.lock:
            return json_response(store.state["entries"])

    @router.get("/calls")
    def call_counts() -> Response:
        return json_response(calls.snapshot())

    @router.post("/reset")
    def reset() -> Response:
        store.reset()
        calls.reset()
        limiter.reset()
        return json_response({"status": "reset"})

    @router.get("/state")
    def get_state() -> Response:
        with store.lock:
            return json_response(store.state)

    @router.patch("/state")
    def patch_state(body: Body) -> Response:
        if not isinstance(body, dict):
            raise bad_request("GBL10", "PATCH /_sim/state attend un objet JSON.")
        with store.lock:
            merged: dict[str, Any] = store.state
            merged.update(body)
            store.save()
            return json_response({"updated": sorted(body)})

    return router
