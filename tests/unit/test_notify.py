"""The failure notifier: one line to the log, and to a webhook when configured; it never raises."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import requests

from gisync.notify import Failure, SmtpSettings, one_line, send

from smtp_sink import SmtpSink

FAILURE = Failure("demo", "report", "manual__1", "dossier demo: 8 documents held — account_missing:706300 ×4")


def test_log_by_default(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="gisync.notify"):
        send(FAILURE, post=lambda *a, **k: pytest.fail("no webhook by default"))
    assert caplog.messages == ["gisync demo report failed: dossier demo: 8 documents held — account_missing:706300 ×4"]


def test_webhook_gets_the_same_line() -> None:
    sent: list[dict[str, Any]] = []

    def post(url: str, json: dict[str, Any], timeout: float) -> Any:
        sent.append({"url": url, **json})
        return type("R", (), {"status_code": 200})()

    send(FAILURE, kind="webhook", url="https://hooks.example.invalid/x", post=post)
    assert sent == [
        {
            "url": "https://hooks.example.invalid/x",
            "dossier": "demo",
            "task": "report",
            "run_id": "manual__1",
            "text": FAILURE.line(),
        }
    ]


def test_a_broken_webhook_does_not_hide_the_failure(caplog: pytest.LogCaptureFixture) -> None:
    def post(*args: Any, **kwargs: Any) -> Any:
        raise requests.ConnectionError("down")

    with caplog.at_level(logging.ERROR, logger="gisync.notify"):
        send(FAILURE, kind="webhook", url="https://hooks.example.invalid/x", post=post)
    assert FAILURE.line() in caplog.messages[0]
    assert "webhook unreachable (ConnectionError)" in caplog.messages[1]


def test_one_line() -> None:
    assert one_line(ValueError("a\n  b\tc")) == "a b c"
    assert one_line(None) == "failed (see the task log)"


SMTP_PASSWORD = "alert-smtp-pass-8841"


def test_email_carries_the_line_and_names_the_dossier(caplog: pytest.LogCaptureFixture) -> None:
    with SmtpSink() as sink, caplog.at_level(logging.DEBUG):
        smtp = SmtpSettings(
            host="127.0.0.1",
            port=sink.port,
            sender="gisync@cabinet.invalid",
            recipients=("compta@cabinet.invalid", "it@cabinet.invalid"),
            user="alerts",
            password=SMTP_PASSWORD,
        )
        send(FAILURE, kind="email", smtp=smtp, post=lambda *a, **k: pytest.fail("no webhook for e-mail"))
    [mail] = sink.received
    assert mail.sender == "gisync@cabinet.invalid"
    assert mail.recipients == ["compta@cabinet.invalid", "it@cabinet.invalid"]
    assert mail.login == ("alerts", SMTP_PASSWORD)
    assert mail.message["Subject"] == "gisync: dossier demo — report en échec / failed"
    body = mail.message.get_content()
    assert body.splitlines()[0] == FAILURE.line() and "DAG run: manual__1" in body
    assert SMTP_PASSWORD not in caplog.text and SMTP_PASSWORD not in repr(smtp)


def test_an_unreachable_mail_server_does_not_hide_the_failure(caplog: pytest.LogCaptureFixture) -> None:
    with SmtpSink() as sink:
        port = sink.port  # closed when the block ends: nothing listens there any more
    smtp = SmtpSettings(host="127.0.0.1", port=port, sender="g@x.invalid", recipients=("a@x.invalid",))
    with caplog.at_level(logging.ERROR, logger="gisync.notify"):
        send(FAILURE, kind="email", smtp=smtp)
    assert caplog.messages[0] == FAILURE.line()
    assert caplog.messages[1] == "gisync notify: e-mail not sent (ConnectionRefusedError)"
