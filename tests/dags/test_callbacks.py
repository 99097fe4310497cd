"""on_failure_callback: the failed task's one line goes to the notifier the dossier names (e-mail here).

The webhook path runs in the real scheduler (tests/e2e/test_scheduler.py); this one sends a real e-mail to
a mail server on 127.0.0.1 through an Airflow SMTP connection given as an environment variable.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from types import SimpleNamespace

import pytest

from gisync.config import DossierConfig, load_config
from gisync_dags.callbacks import on_failure

from smtp_sink import SmtpSink

REPO = Path(__file__).resolve().parents[2]
LINE = "dossier demo: 3 documents held — account_missing:706300 ×3"
CONTEXT = {"ti": SimpleNamespace(task_id="report"), "run_id": "manual__9", "exception": RuntimeError(LINE)}


def _cfg(tmp_path: Path, notify: str) -> DossierConfig:
    (tmp_path / "demo.yaml").write_text((REPO / "include" / "dossiers" / "demo.yaml").read_text() + notify)
    return load_config(tmp_path / "demo.yaml")


def test_email_through_an_airflow_smtp_connection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = _cfg(
        tmp_path,
        "notify:\n  kind: email\n  email_conn_id: gisync_smtp\n  email_to: [compta@cabinet.invalid]\n",
    )
    with SmtpSink() as sink:
        conn = {
            "conn_type": "smtp",
            "host": "127.0.0.1",
            "port": sink.port,
            "login": "alerts",
            "password": "smtp-pass-5521",
            "extra": {"from_email": "gisync@cabinet.invalid"},
        }
        monkeypatch.setenv("AIRFLOW_CONN_GISYNC_SMTP", json.dumps(conn))
        on_failure(cfg)(CONTEXT)
    [mail] = sink.received
    assert (mail.sender, mail.recipients, mail.login) == (
        "gisync@cabinet.invalid",
        ["compta@cabinet.invalid"],
        ("alerts", "smtp-pass-5521"),
    )
    assert mail.message["Subject"] == "gisync: dossier demo — report en échec / failed"
    assert mail.message.get_content().startswith(f"gisync demo report failed: {LINE}\n")


def test_a_missing_connection_still_logs_the_failure(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    cfg = _cfg(tmp_path, "notify:\n  kind: email\n  email_conn_id: no_such_conn\n  email_to: [a@cabinet.invalid]\n")
    with caplog.at_level(logging.ERROR, logger="gisync.notify"):
        on_failure(cfg)(CONTEXT)  # must not raise
    assert caplog.messages[0].startswith("gisync notify: dossier demo: cannot read its email connection")
    assert caplog.messages[1] == f"gisync demo report failed: {LINE}"


@pytest.mark.parametrize(
    ("notify", "message"),
    [
        ("notify:\n  kind: email\n  email_to: [a@b.invalid]\n", "needs notify.email_conn_id"),
        ("notify:\n  kind: email\n  email_conn_id: smtp\n", "needs notify.email_conn_id"),
        ("notify:\n  kind: email\n  email_conn_id: smtp\n  email_to: [compta]\n", "not an e-mail address: compta"),
    ],
)
def test_email_settings_are_checked_with_the_config(tmp_path: Path, notify: str, message: str) -> None:
    from gisync.errors import ConfigError

    with pytest.raises(ConfigError, match=message):
        _cfg(tmp_path, notify)
