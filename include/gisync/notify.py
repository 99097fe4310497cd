"""Where the one-line failure of a dossier goes: the log (default), a webhook or an e-mail.

The line is the same one the failed task logs ("dossier demo: 8 documents held — account_missing:706300
×4 …"): what is wrong and what to do. A webhook receives ``{"dossier", "task", "run_id", "text"}`` as
JSON (Slack/Teams-style incoming hooks accept a ``text`` field); an e-mail carries the line as its body
and names the dossier in its subject. The webhook URL and the SMTP server and password come from Airflow
Connections, never from the dossier YAML, because they are secrets; none of them is ever logged.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import requests

log = logging.getLogger("gisync.notify")


@dataclass(frozen=True)
class Failure:
    dossier: str
    task: str
    run_id: str
    text: str

    def line(self) -> str:
        return f"gisync {self.dossier} {self.task} failed: {self.text}"


@dataclass(frozen=True)
class SmtpSettings:
    """The mail server of the alerts (an Airflow SMTP connection) and who receives them."""

    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = False


def one_line(exc: BaseException | None) -> str:
    """The exception's message on one line (Airflow wraps some; tracebacks stay in the log)."""
    if exc is None:
        return "failed (see the task log)"
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def send(
    failure: Failure,
    *,
    kind: str = "log",
    url: str | None = None,
    smtp: SmtpSettings | None = None,
    post: Callable[..., Any] = requests.post,
) -> None:
    """Never raises: a notifier that fails must not hide the failure it reports."""
    log.error("%s", failure.line())
    if kind == "webhook":
        _send_webhook(failure, url, post)
    elif kind == "email":
        _send_email(failure, smtp)


def _send_webhook(failure: Failure, url: str | None, post: Callable[..., Any]) -> None:
    if not url:
        log.error("gisync notify: webhook chosen but its connection has no URL")
        return
    try:
        response = post(
            url,
            json={"dossier": failure.dossier, "task": failure.task, "run_id": failure.run_id, "text": failure.line()},
            timeout=10,
        )
        if getattr(response, "status_code", 200) >= 300:
            log.error("gisync notify: webhook answered %s", response.status_code)
    except requests.RequestException as exc:
        log.error("gisync notify: webhook unreachable (%s)", type(exc).__name__)


def alert_email(failure: Failure, smtp: SmtpSettings) -> EmailMessage:
    """Subject: the dossier and the task; body: the one line, then the run."""
    message = EmailMessage()
    message["Subject"] = f"gisync: dossier {failure.dossier} — {failure.task} en échec / failed"
    message["From"] = smtp.sender
    message["To"] = ", ".join(smtp.recipients)
    message.set_content(f"{failure.line()}\n\nDAG run: {failure.run_id}\n")
    return message


def _send_email(failure: Failure, smtp: SmtpSettings | None) -> None:
    if smtp is None or not smtp.host or not smtp.recipients:
        log.error("gisync notify: e-mail chosen but no SMTP connection or recipient")
        return
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=10) as server:
            if smtp.starttls:
                server.starttls()
            if smtp.user:
                server.login(smtp.user, smtp.password or "")
            server.send_message(alert_email(failure, smtp))
    except (OSError, smtplib.SMTPException) as exc:
        # The exception's text may quote the server's answer to the login: its type only.
        log.error("gisync notify: e-mail not sent (%s)", type(exc).__name__)
