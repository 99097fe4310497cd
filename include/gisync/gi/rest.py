"""The REST source: reads the GI contract over HTTP and proves it read everything.

A sync that silently misses one page misses invoices in the books, and nobody would notice for
months. So the client does not trust the pagination: it follows ``next_cursor`` to the end,
de-duplicates by id, refuses a repeated page or a cursor that does not advance, and checks the
number of distinct records against the ``total`` announced by the first page. Any doubt is a
:class:`~gisync.errors.GiExtractionError`, which stops the dossier before anything is posted.

JSON is decoded with :func:`gisync.jsonutil.loads`, so amounts sent as numbers become Decimal, never
float. The token never appears in a message (a message ends up in logs and in the report).
"""

from __future__ import annotations

import builtins
from datetime import date, datetime
from typing import Any

import requests

from gisync import jsonutil
from gisync.errors import ConfigError, GiExtractionError, TransientError

API_PATH = "/api/v1"
ALIASES = {"payment_modes": "payment-modes"}
# Records are keyed by ``id``; payment modes have none and are keyed by their ``code``.
KEYS = {"payment-modes": "code"}
DATE_FILTERS = {"date_from", "date_to", "invoice_date_from"}


def _filter_value(name: str, value: Any) -> str:
    """Dates go out as ``YYYY-MM-DD``; ``updated_since`` keeps its time and offset."""
    if isinstance(value, datetime):
        if name in DATE_FILTERS:
            return value.date().isoformat()  # its own local calendar date, never shifted to UTC
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class GiRestClient:
    """A GI link: ``base_url`` is the GI root or its ``/api/v1`` base (both are accepted)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        page_size: int = 500,
        timeout: float = 30.0,
        session: requests.Session | None = None,
    ) -> None:
        if not 1 <= page_size <= 1000:
            raise ConfigError(f"GI page size must be between 1 and 1000, not {page_size}")
        base = base_url.rstrip("/")
        self.base_url = base if base.endswith(API_PATH) else base + API_PATH
        self._token = token
        self.page_size = page_size
        self.timeout = timeout
        self.session = session or requests.Session()

    def __repr__(self) -> str:  # no token in a repr: it ends up in tracebacks and logs
        return f"GiRestClient({self.base_url!r}, page_size={self.page_size})"

    # ------------------------------------------------------------------------------------ public

    def list(self, resource: str, **filters: Any) -> list[dict[str, Any]]:
        """Every record of ``resource`` matching ``filters``, in the GI's order, proven complete.

        ``resource`` is a contract resource (``clients``, ``suppliers``, ``invoices``, ``payments``,
        ``purchases``, ``payment-modes``/``payment_modes``); ``filters`` are the contract's
        (``date_from=date(2024, 1, 1)``, ``updated_since=datetime(...)``, ``client_id="1001"``);
        ``None`` values are left out.
        """
        resource = ALIASES.get(resource, resource)
        key = KEYS.get(resource, "id")
        params = {name: _filter_value(name, v) for name, v in filters.items() if v is not None}
        records: dict[str, dict[str, Any]] = {}
        cursors: set[str] = set()
        cursor: str | None = None
        announced: int | None = None
        while True:
            query = {**params, "limit": str(self.page_size)}
            if cursor is not None:
                query["cursor"] = cursor
            page = self._get(resource, query)
            data, next_cursor, total = self._page_parts(resource, page)
            if announced is None:
                announced = total
            offset = len(records)
            fresh = 0
            for record in data:
                ident = record.get(key) if isinstance(record, dict) else None
                if ident is None:
                    raise GiExtractionError(resource, f"a record without {key!r} at offset {offset}")
                if str(ident) not in records:
                    records[str(ident)] = record
                    fresh += 1
            if data and not fresh:
                raise GiExtractionError(resource, f"pagination returned a repeated page at offset {offset}")
            if next_cursor is None:
                break
            if not data:
                raise GiExtractionError(
                    resource, f"pagination returned an empty page with a next cursor at offset {offset}"
                )
            if next_cursor == cursor or next_cursor in cursors:
                raise GiExtractionError(resource, f"pagination returned a repeated page at offset {len(records)}")
            cursors.add(next_cursor)
            cursor = next_cursor
        if len(records) != announced:
            raise GiExtractionError(
                resource, f"the GI announced {announced} records but returned {len(records)} distinct records"
            )
        return list(records.values())

    def settings(self) -> dict[str, Any]:
        """The GI's accounting settings (collective, revenue and VAT accounts)."""
        body = self._get("settings/accounting", {})
        if not isinstance(body, dict):
            raise ConfigError("GI settings/accounting: the answer is not a JSON object")
        return body

    # ---------------------------------------------------------------------------------- private

    def _page_parts(self, resource: str, page: Any) -> tuple[builtins.list[Any], str | None, int]:
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            raise GiExtractionError(resource, "the answer is not a page ({data, next_cursor, total})")
        total = page.get("total")
        if isinstance(total, bool) or not isinstance(total, int):
            raise GiExtractionError(resource, "the page has no integer total, so completeness cannot be proven")
        next_cursor = page.get("next_cursor")
        if next_cursor is not None and (not isinstance(next_cursor, str) or not next_cursor):
            raise GiExtractionError(resource, "next_cursor is neither a string nor null")
        return page["data"], next_cursor, total

    def _scrub(self, text: str) -> str:
        return text.replace(self._token, "***") if self._token else text

    def _get(self, resource: str, params: dict[str, str]) -> Any:
        url = f"{self.base_url}/{resource}"
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        try:
            response = self.session.get(url, params=params, headers=headers, timeout=self.timeout)
        except requests.Timeout as exc:
            raise TransientError(f"GI {resource}: no answer within {self.timeout:g} s") from exc
        except requests.ConnectionError as exc:
            raise TransientError(
                self._scrub(f"GI {resource}: cannot reach {self.base_url} ({type(exc).__name__})")
            ) from exc
        if response.status_code == 401:
            raise ConfigError("GI rejected the token (check the GI connection's password)", status=401)
        if response.status_code != 200:
            detail = self._error_detail(response)
            raise ConfigError(
                self._scrub(f"GI {resource}: HTTP {response.status_code}{detail}"), status=response.status_code
            )
        try:
            return jsonutil.loads(response.content)
        except ValueError:
            raise ConfigError(f"GI {resource}: the answer is not JSON (check the GI URL {self.base_url})") from None

    @staticmethod
    def _error_detail(response: requests.Response) -> str:
        try:
            body = jsonutil.loads(response.content)
            error = body.get("error") if isinstance(body, dict) else None
        except ValueError:
            return ""
        if not isinstance(error, dict):
            return ""
        code, message = error.get("code"), error.get("message")
        return f" {code}: {str(message)[:200]}" if code or message else ""
