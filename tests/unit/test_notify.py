"""The failure notifier: one line to the log, and to a webhook when configured; it never raises."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import requests

from gisync.notify import Failure, one_line, send

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
