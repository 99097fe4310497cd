"""The MyUnisoft simulator app: auth, rate limit and headers around the ``/api/v1`` routes.

Order per call (API.md §13.1): count the call, check ``X-Third-Party-Secret`` (missing →
ERR-SECRET-HEADER-NOT-SET, wrong → ERR-INVALID-SECRET), then ``Authorization: Bearer``
(ERR-INVALID-AUTH-HEADER), then the token (ERR-API-TOKEN-NOT-FOUND), then the per-token budget
(429 ERR-TOO-MANY-REQUEST). Only authenticated calls consume budget. Every response carries
``request-id``; every ``/api/v1`` response, refusals and 429 included, also ``X-Rate-Limit-*``.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from gisync.simulator.myunisoft.api_routes import build_router
from gisync.simulator.myunisoft.control import build_control_router
from gisync.simulator.myunisoft.errors import ApiError, error_response, json_response
from gisync.simulator.myunisoft.ratelimit import Budget, CallCounter, RateLimiter
from gisync.simulator.myunisoft.state import Store

API_PREFIX = "/api/v1"
DEFAULT_SECRET = "gisync-demo-secret"
DEFAULT_TOKEN = "gisync-demo-token"


def _auth_error(request: Request, secret: str, token: str) -> tuple[str, str] | None:
    """(code, message) of the first failing auth check, or None."""
    sent_secret = request.headers.get("x-third-party-secret")
    if not sent_secret:
        return "ERR-SECRET-HEADER-NOT-SET", "Le header X-Third-Party-Secret est absent."
    if not secrets.compare_digest(sent_secret, secret):
        return "ERR-INVALID-SECRET", "Le secret tiers est invalide."
    authorization = request.headers.get("authorization", "")
    if not authorization.startswith("Bearer ") or not authorization[7:].strip():
        return "ERR-INVALID-AUTH-HEADER", "Le header Authorization doit être 'Bearer <token>'."
    if not secrets.compare_digest(authorization[7:].strip(), token):
        return (
            "ERR-API-TOKEN-NOT-FOUND",
            "Unable to found the token in the DB. The token has certainly expired or been revoked.",
        )
    return None


def _bearer(request: Request) -> str:
    authorization = request.headers.get("authorization", "")
    return authorization[7:].strip() if authorization.startswith("Bearer ") else ""


def create_app(
    state: dict[str, Any],
    *,
    secret: str = DEFAULT_SECRET,
    token: str = DEFAULT_TOKEN,
    rate_limit: int = 20,
    window: float = 10.0,
    persist_path: str | None = None,
    reject_duplicates: bool = False,
) -> FastAPI:
    """A simulator over ``state`` (deep-copied; ``POST /_sim/reset`` returns to it).

    With ``persist_path`` naming an existing file, the current state is loaded from that file; every
    successful write saves it there. ``reject_duplicates`` refuses a reused
    ``entry_origin_partner_id`` with ECR4 (default: accepted, the real server's worst case).
    """
    store = Store(state, persist_path)
    limiter = RateLimiter(rate_limit, window)
    calls = CallCounter()
    app = FastAPI(title="MyUnisoft simulator (gisync)", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store = store

    @app.middleware("http")
    async def gate(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request.state.request_id = f"req-{secrets.token_hex(8)}"
        path = request.url.path
        budget: Budget | None = None
        if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            calls.count(request.method, path)
            refused = _auth_error(request, secret, token)
            if refused is not None:
                response = error_response(request, 401, *refused)
                budget = limiter.peek(_bearer(request))
            else:
                budget = limiter.hit(token)
                if budget.allowed:
                    response = await call_next(request)
                else:
                    message = f"Trop de requêtes : {rate_limit} par fenêtre de {window:g} s."
                    response = error_response(request, 429, "ERR-TOO-MANY-REQUEST", message)
        else:
            response = await call_next(request)
        response.headers["request-id"] = request.state.request_id
        if budget is not None:
            response.headers.update(budget.headers())
        return response

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        return error_response(request, exc.status, exc.code, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = "ERR-ROUTE-NOT-FOUND" if exc.status_code == 404 else "ERR-HTTP"
        return error_response(request, exc.status_code, code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, 400, "GBL10", f"Paramètre invalide : {exc.errors()[:1]}")

    @app.get("/api/partners/health")
    def health() -> Response:
        return json_response({"status": "ok"})

    app.include_router(build_router(store, reject_duplicates=reject_duplicates), prefix=API_PREFIX)
    app.include_router(build_control_router(store, limiter, calls))
    return app
