"""MyUnisoft answers -> typed errors, decided by HTTP status and ``error.code`` only.

The message text is French, has placeholders and may change: it is shown, never parsed. A body that is
not JSON (an HTML 429 page, a proxy error) is classified by its status like any other.
"""

from __future__ import annotations

from typing import Any

from gisync.errors import ConfigError, DataError, GisyncError, TransientError

AUTH_HINT = "regenerate the API key in MyUnisoft (Paramètres › Connecteurs) and update the Airflow connection"
HINTS: dict[str, str] = {
    "ERR-SECRET-HEADER-NOT-SET": "set the partner secret in the connection's extra (x_third_party_secret)",
    "ERR-INVALID-SECRET": "the partner secret is wrong: fix x_third_party_secret in the connection's extra",
    "ERR-SECRET-NOT-CONFIGURED": "the partner secret is not activated yet: contact MyUnisoft",
    "ERR-INVALID-AUTH-HEADER": "the connection's password must hold the API token",
    "ERR-API-TOKEN-NOT-FOUND": AUTH_HINT,
    "ERR-FIRM-TOKEN-NOT-FOUND": AUTH_HINT,
    "ERR-INVALID-JWT": AUTH_HINT,
    "ERR-INVALID-API-JWT": AUTH_HINT,
    "ERR-INVALID-FIRM-JWT": AUTH_HINT,
    "ERR-FOLDER-NOT-FOUND": "no active folder behind this token: " + AUTH_HINT,
    "ERR-FORBIDDEN-ROUTE": "this key may not call this route: grant it in MyUnisoft",
    "ERR-API-UNDER-MAINTENANCE": "MyUnisoft is under maintenance: the next run will retry",
    "ECR9": "the fiscal year is closed: reopen it or move the start date",
    "ECR10": "no fiscal year covers this date: create it in MyUnisoft",
    "COMPTE5": "create the account in MyUnisoft > Paramètres > Plan comptable, then rerun",
    "COMPTE32": "the account is closed in MyUnisoft: reopen it or change the mapping",
}
THROTTLE_CODES = {
    "ERR-TOO-MANY-REQUEST",
    "ERR-TOO-MANY-CONCURRENT-REQUEST",
    "ERR-TOO-MANY-CONCURRENT-REQUESTS",
}


class ThrottledError(TransientError):
    """429: wait for the window to reset, then send the same request again."""

    code = "throttled"


def error_code(body: Any) -> str | None:
    """``error.code`` from the envelope (also accepted without the ``error`` wrapper)."""
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("code"), str):
            return str(inner["code"])
    return None


def error_message(body: Any) -> str:
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])[:200]
    return ""


def classify(status: int, body: Any, *, method: str, route: str, request_id: str) -> GisyncError:
    """The error a caller can act on for one non-2xx answer."""
    code = error_code(body) or f"HTTP{status}"
    hint = HINTS.get(code, "")
    text = error_message(body)
    message = f"MyUnisoft {status} {code} on {method} {route}"
    if text:
        message += f": {text}"
    if hint:
        message += f" — {hint}"
    if request_id:
        message += f" (request-id {request_id})"
    if status == 429 or code in THROTTLE_CODES:
        return ThrottledError(message, code=code, status=status)
    if status >= 500 or status == 408:
        return TransientError(message, code=code, status=status)
    if status in (401, 403) or code.startswith("ERR-"):
        return ConfigError(message, code=code, status=status)
    return DataError(message, code=code, status=status)
