"""Error envelope (API.md §4.1) and the JSON response that keeps Decimals exact.

Every refusal is an :class:`ApiError`; one handler turns it into
``{"error": {"code", "message", "details": {"url", "method", "requestedAt", "requestId"}}}``
so the client under test sees one shape whatever the failing layer (auth, rate limit, rules, 404).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gisync.jsonutil import dumps


class ApiError(Exception):
    """A refusal with its HTTP status and MyUnisoft error code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def bad_request(code: str, message: str) -> ApiError:
    """Business rules answer 400, as nearly every code of erreurs.md does."""
    return ApiError(400, code, message)


def json_response(content: Any, status_code: int = 200) -> Response:
    """Serialise with :func:`gisync.jsonutil.dumps`: FastAPI's encoder would turn Decimals into floats."""
    return Response(content=dumps(content), status_code=status_code, media_type="application/json")


def request_id(request: Request) -> str:
    return str(getattr(request.state, "request_id", "req-unknown"))


def error_response(request: Request, status: int, code: str, message: str) -> Response:
    details = {
        "url": str(request.url),
        "method": request.method,
        "requestedAt": datetime.now(UTC).strftime("%d %b %Y, %H:%M:%S"),
        "requestId": request_id(request),
    }
    return json_response({"error": {"code": code, "message": message, "details": details}}, status)
