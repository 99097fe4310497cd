"""Control routes under ``/_sim`` (no auth, not rate limited): how tests and the demo look inside.

- ``GET /_sim/entries``      stored entries (request body + ids), oldest first
- ``GET /_sim/calls``        ``{"writes": {"POST /api/v1/entry": n, ...}, "reads": {...}, "total": n,
                             "max_in_flight": {route: n}, "rate": {"window": w,
                             "max_calls_in_any_window": n, "max_admitted_in_any_window": n},
                             "faults_fired": {kind: n}, "refused": {code: n}}`` — every ``/api/v1`` call
                             is counted, refused and faulted ones included; ``max_in_flight`` is the most
                             admitted calls of one token running at once on a route; ``rate`` the most
                             calls of one token in any sliding window; ``refused`` the gate's refusals
                             (auth, access, maintenance, budget, concurrency) by ``error.code``
- ``POST /_sim/reset``       back to the initial state; counters and rate windows zeroed; faults,
                             maintenance and revocations back to the values given at start
- ``GET /_sim/state``        the whole state
- ``PATCH /_sim/state``      body's top-level keys replace the state's (e.g. close a fiscal year,
                             remove a route from ``key_info.routes``)
- ``GET /_sim/faults``       pending faults; ``POST`` arms one fault or a list (appended, in order);
                             ``DELETE`` disarms them all (see :mod:`.faults`)
- ``GET|POST /_sim/maintenance``  ``{"maintenance": bool}``; POST body ``{"enabled": bool}``
- ``POST /_sim/revoke``      ``{"token": T}`` revokes T (→ ERR-API-TOKEN-NOT-FOUND);
                             ``{"token": T, "revoked": false}`` restores it
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from gisync.simulator.myunisoft.api_routes import Body
from gisync.simulator.myunisoft.auth import Access
from gisync.simulator.myunisoft.errors import bad_request, json_response
from gisync.simulator.myunisoft.faults import FaultQueue, parse_faults
from gisync.simulator.myunisoft.ratelimit import CallCounter, InFlight, RateLimiter, RateObserver, Tally
from gisync.simulator.myunisoft.state import Store


@dataclass
class Runtime:
    """Switches and observations of a running simulator (besides the dossier state)."""

    maintenance: bool
    faults: FaultQueue
    in_flight: InFlight
    rate: RateObserver
    refused: Tally
    _initial_maintenance: bool = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self._initial_maintenance = self.maintenance

    def is_maintenance(self) -> bool:
        with self._lock:
            return self.maintenance

    def set_maintenance(self, enabled: bool) -> None:
        with self._lock:
            self.maintenance = enabled

    def reset(self) -> None:
        self.set_maintenance(self._initial_maintenance)
        self.faults.reset()
        self.in_flight.reset()
        self.rate.reset()
        self.refused.reset()


def build_control_router(
    store: Store,
    limiter: RateLimiter,
    calls: CallCounter,
    *,
    access: Access | None = None,
    runtime: Runtime | None = None,
) -> APIRouter:
    """The ``/_sim`` routes; ``access`` and ``runtime`` default to a bare simulator's (nothing armed)."""
    access = access or Access("", "", None)
    runtime = runtime or Runtime(False, FaultQueue(), InFlight(10), RateObserver(limiter.window), Tally())
    router = APIRouter(prefix="/_sim")

    @router.get("/entries")
    def entries() -> Response:
        with store.lock:
            return json_response(store.state["entries"])

    @router.get("/calls")
    def call_counts() -> Response:
        snapshot = calls.snapshot()
        snapshot["max_in_flight"] = runtime.in_flight.snapshot()
        snapshot["rate"] = runtime.rate.snapshot()
        snapshot["faults_fired"] = runtime.faults.fired.snapshot()
        snapshot["refused"] = runtime.refused.snapshot()
        return json_response(snapshot)

    @router.post("/reset")
    def reset() -> Response:
        store.reset()
        calls.reset()
        limiter.reset()
        access.reset()
        runtime.reset()
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

    @router.get("/faults")
    def get_faults() -> Response:
        return json_response(runtime.faults.pending())

    @router.post("/faults")
    def add_faults(body: Body) -> Response:
        try:
            parsed = parse_faults(body)
        except ValueError as exc:
            raise bad_request("GBL10", str(exc)) from exc
        runtime.faults.add(parsed)
        return json_response(runtime.faults.pending())

    @router.delete("/faults")
    def clear_faults() -> Response:
        runtime.faults.clear()
        return json_response([])

    @router.get("/maintenance")
    def get_maintenance() -> Response:
        return json_response({"maintenance": runtime.is_maintenance()})

    @router.post("/maintenance")
    def set_maintenance(body: Body) -> Response:
        if not isinstance(body, dict) or not isinstance(body.get("enabled"), bool):
            raise bad_request("GBL10", 'POST /_sim/maintenance attend {"enabled": true|false}.')
        runtime.set_maintenance(body["enabled"])
        return json_response({"maintenance": runtime.is_maintenance()})

    @router.post("/revoke")
    def revoke(body: Body) -> Response:
        if not isinstance(body, dict) or not isinstance(body.get("token"), str):
            raise bad_request("GBL10", 'POST /_sim/revoke attend {"token": "...", "revoked": true|false}.')
        revoked = body.get("revoked", True)
        if not isinstance(revoked, bool):
            raise bad_request("GBL10", "revoked doit être un booléen.")
        return json_response({"revoked": access.revoke(body["token"], revoked)})

    return router
