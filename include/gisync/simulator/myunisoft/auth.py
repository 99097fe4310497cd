"""Authentication and access (API.md §2, §4.2, §13.1): which token, which folder, which routes.

Checks, in order, the first failure wins:

1. ``X-Third-Party-Secret`` missing → 401 ERR-SECRET-HEADER-NOT-SET; wrong → 401 ERR-INVALID-SECRET
2. ``Authorization`` not ``Bearer <token>`` → 401 ERR-INVALID-AUTH-HEADER
3. the token: a known token that was revoked → 401 ERR-API-TOKEN-NOT-FOUND; an unknown one that is
   malformed (contains whitespace or is shorter than 8 characters) → 401 ERR-INVALID-JWT; any other
   unknown one → 401 ERR-API-TOKEN-NOT-FOUND
4. a served route missing from ``key_info.routes`` → 403 ERR-FORBIDDEN-ROUTE
5. the folder, firm token only, on folder routes (every served route but ``GET key/info``): no
   ``society-id`` header → 400 GBL1 [I]; a value other than the folder's ``society_id`` → 404
   ERR-FOLDER-NOT-FOUND. ``GET society`` without the header is the firm-level folder list.

A society token ("api" access) ignores ``society-id``. Revocations are switched at run time by
``POST /_sim/revoke``; ``POST /_sim/reset`` restores the revocations given at start.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from gisync.simulator.myunisoft.state import SERVED_ROUTES, Store

MIN_TOKEN_LENGTH = 8
KEY_INFO_ROUTE = ("get", "/api/v1/key/info")
FIRM_LEVEL_ROUTES = frozenset({("get", "/api/v1/society")})  # without society-id: the folder list
TOKEN_NOT_FOUND = "Unable to found the token in the DB. The token has certainly expired or been revoked."


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str


@dataclass(frozen=True)
class Grant:
    """An authenticated call: ``access`` "api" (society token) or "firm"; ``folder`` None only for a
    firm token on a firm-level route without ``society-id``."""

    access: str
    folder: int | None


def bearer(request: Request) -> str:
    authorization = request.headers.get("authorization", "")
    return authorization[7:].strip() if authorization.startswith("Bearer ") else ""


def _same(sent: str, expected: str | None) -> bool:
    return expected is not None and secrets.compare_digest(sent.encode(), expected.encode())


class Access:
    def __init__(self, secret: str, token: str, firm_token: str | None, revoked: list[str] | None = None) -> None:
        self.secret = secret
        self.token = token
        self.firm_token = firm_token
        self._lock = threading.Lock()
        self._initial_revoked = frozenset(revoked or [])
        self._revoked = set(self._initial_revoked)

    def revoke(self, token: str, revoked: bool = True) -> int:
        """Revoke (or restore) ``token``; returns how many tokens are revoked now."""
        with self._lock:
            if revoked:
                self._revoked.add(token)
            else:
                self._revoked.discard(token)
            return len(self._revoked)

    def reset(self) -> None:
        with self._lock:
            self._revoked = set(self._initial_revoked)

    def _is_revoked(self, token: str) -> bool:
        with self._lock:
            return token in self._revoked

    def _token_access(self, token: str) -> str | Refusal:
        if _same(token, self.token):
            access = "api"
        elif _same(token, self.firm_token):
            access = "firm"
        elif len(token) < MIN_TOKEN_LENGTH or any(c.isspace() for c in token):
            return Refusal(401, "ERR-INVALID-JWT", "Le jeton fourni n'est pas un JWT valide.")
        else:
            return Refusal(401, "ERR-API-TOKEN-NOT-FOUND", TOKEN_NOT_FOUND)
        if self._is_revoked(token):
            return Refusal(401, "ERR-API-TOKEN-NOT-FOUND", TOKEN_NOT_FOUND)
        return access

    def check(self, request: Request, store: Store) -> Grant | Refusal:
        sent_secret = request.headers.get("x-third-party-secret")
        if not sent_secret:
            return Refusal(401, "ERR-SECRET-HEADER-NOT-SET", "Le header X-Third-Party-Secret est absent.")
        if not _same(sent_secret, self.secret):
            return Refusal(401, "ERR-INVALID-SECRET", "Le secret tiers est invalide.")
        authorization = request.headers.get("authorization", "")
        if not authorization.startswith("Bearer ") or not authorization[7:].strip():
            return Refusal(401, "ERR-INVALID-AUTH-HEADER", "Le header Authorization doit être 'Bearer <token>'.")
        access = self._token_access(bearer(request))
        if isinstance(access, Refusal):
            return access
        route = (request.method.lower(), request.url.path.rstrip("/"))
        served = route in SERVED_ROUTES_SET
        with store.lock:
            granted = _granted_routes(store.state)
            society_id = store.state["society"]["society_id"]
        if served and route not in granted:
            return Refusal(403, "ERR-FORBIDDEN-ROUTE", f"La route {route[0].upper()} {route[1]} n'est pas autorisée.")
        if access == "api":
            return Grant("api", society_id)
        return _firm_folder(request, route, served, society_id)


SERVED_ROUTES_SET = frozenset(SERVED_ROUTES)


def _granted_routes(state: dict[str, Any]) -> set[tuple[str, str]]:
    routes = state.get("key_info", {}).get("routes", [])
    return {
        (str(r.get("method", "")).lower(), str(r.get("path", "")).rstrip("/")) for r in routes if isinstance(r, dict)
    }


def _firm_folder(request: Request, route: tuple[str, str], served: bool, society_id: int) -> Grant | Refusal:
    sent = request.headers.get("society-id")
    if not served or route == KEY_INFO_ROUTE:
        return Grant("firm", None)
    if sent is None or not sent.strip():
        if route in FIRM_LEVEL_ROUTES:
            return Grant("firm", None)
        return Refusal(400, "GBL1", "Le header society-id est requis avec un jeton cabinet.")
    if sent.strip() != str(society_id):
        return Refusal(404, "ERR-FOLDER-NOT-FOUND", f"Aucun dossier actif d'id {sent.strip()!r} pour ce jeton.")
    return Grant("firm", society_id)
