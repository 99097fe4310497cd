"""Airflow Connections -> gisync clients.

A dossier's MyUnisoft and GI links are ordinary HTTP Connections edited in the Airflow UI: host (+port,
schema) is the base URL, the password holds the API token, and for MyUnisoft the extra holds the partner
secret under ``x_third_party_secret`` (a key Airflow masks in logs). The hooks build on the HTTP
provider's ``HttpHook`` so proxies, TLS options and the base URL follow its rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow.providers.http.hooks.http import HttpHook

if TYPE_CHECKING:
    from gisync.gi.rest import GiRestClient
    from gisync.myunisoft.client import MyUnisoftClient
    from gisync.notify import SmtpSettings

SECRET_KEYS = ("x_third_party_secret", "X-Third-Party-Secret", "third_party_secret", "society_id")


class MyUnisoftHook(HttpHook):
    conn_name_attr = "myunisoft_conn_id"
    default_conn_name = "myunisoft_default"
    conn_type = "http"
    hook_name = "MyUnisoft"

    def __init__(self, myunisoft_conn_id: str = default_conn_name) -> None:
        super().__init__(method="GET", http_conn_id=myunisoft_conn_id)

    def get_client(self, *, society_id: int | None, rate_limit: int, window: float) -> MyUnisoftClient:
        from gisync.myunisoft.client import MyUnisoftClient

        session = self.get_conn()
        conn = self.get_connection(self.http_conn_id)
        extra = conn.extra_dejson
        secret = next((str(extra[k]) for k in SECRET_KEYS[:3] if extra.get(k)), "")
        for key in SECRET_KEYS:  # the provider copies extra keys into headers: keep only ours
            session.headers.pop(key, None)
        if society_id is None and extra.get("society_id"):
            society_id = int(extra["society_id"])
        return MyUnisoftClient(
            self.base_url,
            token=conn.password or "",
            secret=secret,
            society_id=society_id,
            rate_limit=rate_limit,
            window=window,
            session=session,
        )


class GiHook(HttpHook):
    conn_name_attr = "gi_conn_id"
    default_conn_name = "gi_default"
    conn_type = "http"
    hook_name = "GI (gestion interne)"

    def __init__(self, gi_conn_id: str = default_conn_name) -> None:
        super().__init__(method="GET", http_conn_id=gi_conn_id)

    def get_client(self) -> GiRestClient:
        from gisync.gi.rest import GiRestClient

        session = self.get_conn()
        conn = self.get_connection(self.http_conn_id)
        return GiRestClient(self.base_url, conn.password or "", session=session)


def webhook_url(conn_id: str) -> str:
    """The full URL of an incoming webhook kept in an HTTP connection (host, or schema + host + port)."""
    hook = HttpHook(method="POST", http_conn_id=conn_id)
    hook.get_conn()
    return str(hook.base_url)


def smtp_settings(conn_id: str, recipients: list[str]) -> SmtpSettings:
    """An SMTP connection (host, port, login, password; extra ``from_email``, ``starttls``) as gisync's settings."""
    from airflow.sdk import BaseHook

    from gisync.notify import SmtpSettings

    conn = BaseHook.get_connection(conn_id)
    extra = conn.extra_dejson
    host = str(conn.host or "")
    return SmtpSettings(
        host=host,
        port=int(conn.port or 25),
        sender=str(extra.get("from_email") or f"gisync@{host or 'localhost'}"),
        recipients=tuple(recipients),
        user=conn.login or None,
        password=conn.password or None,
        starttls=str(extra.get("starttls", "")).lower() in ("1", "true", "yes"),
    )
