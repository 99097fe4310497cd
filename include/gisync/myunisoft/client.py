"""MyUnisoft partner-API client: both auth headers, pacing per token, typed errors, safe retries.

Reads are retried on throttling, 5xx, timeouts and lost connections. Entry creation is never re-POSTed
blindly: a POST whose answer is lost raises :class:`TransientError` and the caller resolves it with
:meth:`MyUnisoftClient.find_entry` (``GET /entry/id?id_origin=``) before anything else.
No token or secret ever appears in a message, a log line or an exception.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any

import requests

from gisync import jsonutil
from gisync.errors import ConfigError, DataError, TransientError
from gisync.myunisoft.errors import ThrottledError, classify
from gisync.myunisoft.pacing import TokenPacer, pacer_for

log = logging.getLogger(__name__)


class MyUnisoftClient:
    def __init__(
        self,
        base_url: str,
        *,
        token: str,
        secret: str,
        society_id: int | None = None,
        rate_limit: int = 20,
        window: float = 10.0,
        timeout: float = 30.0,
        max_attempts: int = 5,
        session: requests.Session | None = None,
        pacer: TokenPacer | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not token or not secret:
            raise ConfigError(
                "MyUnisoft connection incomplete: the password must hold the API token and the extra "
                "x_third_party_secret the partner secret"
            )
        root = base_url.rstrip("/")
        self.base_url = root if root.endswith("/api/v1") else root + "/api/v1"
        self._token = token
        self._secret = secret
        self.society_id = society_id
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.max_throttled_waits = max(20, max_attempts * 4)
        self.session = session or requests.Session()
        self.pacer = pacer or pacer_for(token, rate_limit, window)
        self._sleep = sleep
        self.calls = 0
        self.write_calls = 0

    def __repr__(self) -> str:  # never show credentials
        return f"MyUnisoftClient({self.base_url!r})"

    def _headers(self, with_body: bool) -> dict[str, str]:
        headers = {"X-Third-Party-Secret": self._secret, "Authorization": f"Bearer {self._token}"}
        if self.society_id is not None:
            headers["society-id"] = str(self.society_id)
        if with_body:
            headers["Content-Type"] = "application/json"
        return headers

    def _send(self, method: str, route: str, params: dict[str, Any] | None, body: Any) -> requests.Response:
        cell = self.pacer.acquire()
        self.calls += 1
        if method != "GET" and route != "/entries":
            self.write_calls += 1
        data = jsonutil.dumps(body).encode() if body is not None else None
        try:
            response = self.session.request(
                method,
                self.base_url + route,
                params=params,
                data=data,
                headers=self._headers(data is not None),
                timeout=self.timeout,
            )
        finally:
            self.pacer.complete(cell)
        self.pacer.observe(response.headers)
        return response

    def request(
        self,
        method: str,
        route: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        retry: bool = True,
    ) -> Any:
        """One API call; ``retry=False`` for writes that must be resolved by lookup, not re-sent.

        A 429 is always safe to repeat (the server did not process the call), so it is waited out and
        repeated even for writes.
        """
        attempt = 0  # sends that failed (or may have failed) transiently; throttled sends are counted apart
        throttled = 0
        while True:
            attempt += 1
            try:
                response = self._send(method, route, params, body)
            except (requests.ConnectionError, requests.Timeout) as exc:
                error: Exception = TransientError(
                    f"MyUnisoft unreachable on {method} {route}: {exc.__class__.__name__}", code="connection"
                )
                if not retry or attempt >= self.max_attempts:
                    raise error from None
                self._backoff(attempt)
                continue
            if response.status_code < 300:
                return jsonutil.loads(response.content) if response.content else None
            try:
                payload = jsonutil.loads(response.content)
            except ValueError:
                payload = None
            failure = classify(
                response.status_code,
                payload,
                method=method,
                route=route,
                request_id=response.headers.get("request-id", ""),
            )
            if isinstance(failure, ThrottledError) and throttled < self.max_throttled_waits:
                throttled += 1
                attempt -= 1
                wait = self.pacer.penalise(response.headers, max_wait=self.pacer.window * 2)
                log.info("MyUnisoft throttled on %s %s: waiting %.1f s", method, route, wait)
                continue
            if isinstance(failure, TransientError) and retry and attempt < self.max_attempts:
                self._backoff(attempt)
                continue
            raise failure

    def _backoff(self, attempt: int) -> None:
        self._sleep(min(30.0, 0.5 * 2 ** (attempt - 1)) * (0.5 + random.random()))

    # --- reads ---------------------------------------------------------------------------------
    def key_info(self) -> dict[str, Any]:
        """Checks the token and activates a new key (its first use does)."""
        result: dict[str, Any] = self.request("GET", "/key/info", params={"mode": "extended"})
        return result

    def society(self) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", "/society")
        return result

    def exercices(self) -> list[dict[str, Any]]:
        return list(self.request("GET", "/society/exercice"))

    def diaries(self) -> list[dict[str, Any]]:
        return list(self.request("GET", "/diary"))

    def payment_types(self) -> list[dict[str, Any]]:
        return list(self.request("GET", "/payment_type"))

    def accounts(self) -> list[dict[str, Any]]:
        """The whole chart (mode 2). The API documents no page parameter; more pages are reported."""
        page = self.request("GET", "/account", params={"mode": 2})
        if int(page.get("pages_number") or 1) > 1:
            log.warning("MyUnisoft returned %s pages of accounts; only the first is documented", page["pages_number"])
        return list(page.get("account_array") or [])

    def find_entry(self, partner_id: str) -> int | None:
        """The entry id posted with this partner id, or None (404, empty body or no ``id_entry``)."""
        try:
            found = self.request("GET", "/entry/id", params={"id_origin": partner_id})
        except DataError as exc:
            if exc.status == 404:
                return None
            raise
        if isinstance(found, dict) and found.get("id_entry") is not None:
            return int(found["id_entry"])
        return None

    def entry_ids(self, journal_code: str, start_date: str) -> set[int]:
        """Ids of the journal's entries dated from ``start_date`` (``POST /entries``, a search: no write).

        Used once per journal and run to notice entries deleted in MyUnisoft after they were synced."""
        body = {"filters": [{"name": "diary", "value": journal_code}, {"name": "start_date", "value": start_date}]}
        found = self.request("POST", "/entries", params={"type": "e"}, body=body)
        return {int(e["entry_id"]) for e in (found or {}).get("entry_array") or [] if e.get("entry_id") is not None}

    # --- writes --------------------------------------------------------------------------------
    def upsert_account(self, number: str, label: str, card: dict[str, Any] | None = None) -> dict[str, Any]:
        """Find-or-create by number (safe to repeat: the server returns the existing account).

        ``card`` fills the third-party card (``complementary_info``: name, SIREN...), so a later match
        by SIREN finds the account the sync created."""
        body: dict[str, Any] = {"account_number": number, "label": label}
        if card:
            body["complementary_info"] = card
        result: dict[str, Any] = self.request("POST", "/account", body=body)
        return result

    def create_entry(self, payload: dict[str, Any]) -> int | None:
        """POST one entry, never retried blindly; returns the new entry id when the answer gives it."""
        answer = self.request("POST", "/entry", params={"type": "e"}, body=payload, retry=False)
        try:
            return int(answer["entry_array"][0]["entry_id"])
        except (TypeError, KeyError, IndexError, ValueError):
            return None
