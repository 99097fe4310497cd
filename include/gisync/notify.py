"""Where the one-line failure of a dossier goes: the log (default) or a webhook.

The line is the same one the failed task logs ("dossier demo: 8 documents held — account_missing:706300
×4 …"): what is wrong and what to do. A webhook receives ``{"dossier", "task", "run_id", "text"}`` as
JSON (Slack/Teams-style incoming hooks accept a ``text`` field); its URL comes from an Airflow
Connection, never from the dossier YAML, because such URLs are secrets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
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


def one_line(exc: BaseException | None) -> str:
    """The exception's message on one line (Airflow wraps some; tracebacks stay in the log)."""
    if exc is None:
        return "failed (see the task log)"
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def send(
    failure: Failure, *, kind: str = "log", url: str | None = None, post: Callable[..., Any] = requests.post
) -> None:
    """Never raises: a notifier that fails must not hide the failure it reports."""
    log.error("%s", failure.line())
    if kind != "webhook":
        return
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
