"""``on_failure_callback`` of every gisync task: the failure's one line goes to the dossier's notifier."""

from __future__ import annotations

import logging
from typing import Any

from gisync.config import DossierConfig

log = logging.getLogger("gisync.notify")


def on_failure(cfg: DossierConfig) -> Any:
    """A callback bound to one dossier (Airflow calls it with the task context)."""

    def callback(context: dict[str, Any]) -> None:
        from gisync.notify import Failure, one_line, send
        from gisync_airflow import hooks

        ti = context.get("ti") or context.get("task_instance")
        failure = Failure(
            dossier=cfg.slug,
            task=str(getattr(ti, "task_id", "?")),
            run_id=str(context.get("run_id", "")),
            text=one_line(context.get("exception")),
        )
        url, smtp, kind = None, None, cfg.notify.kind
        try:
            if kind == "webhook" and cfg.notify.webhook_conn_id:
                url = hooks.webhook_url(cfg.notify.webhook_conn_id)
            elif kind == "email" and cfg.notify.email_conn_id:
                smtp = hooks.smtp_settings(cfg.notify.email_conn_id, cfg.notify.email_to)
        except Exception as exc:  # a missing connection must not hide the failure: it still goes to the log
            log.error("gisync notify: dossier %s: cannot read its %s connection (%s)", cfg.slug, kind, exc)
            kind = "log"
        send(failure, kind=kind, url=url, smtp=smtp)

    return callback
