"""``on_failure_callback`` of every gisync task: the failure's one line goes to the dossier's notifier."""

from __future__ import annotations

from typing import Any

from gisync.config import DossierConfig


def on_failure(cfg: DossierConfig) -> Any:
    """A callback bound to one dossier (Airflow calls it with the task context)."""

    def callback(context: dict[str, Any]) -> None:
        from gisync.notify import Failure, one_line, send

        ti = context.get("ti") or context.get("task_instance")
        failure = Failure(
            dossier=cfg.slug,
            task=str(getattr(ti, "task_id", "?")),
            run_id=str(context.get("run_id", "")),
            text=one_line(context.get("exception")),
        )
        url = None
        if cfg.notify.kind == "webhook" and cfg.notify.webhook_conn_id:
            from airflow.providers.http.hooks.http import HttpHook

            hook = HttpHook(method="POST", http_conn_id=cfg.notify.webhook_conn_id)
            hook.get_conn()
            url = hook.base_url
        send(failure, kind=cfg.notify.kind, url=url)

    return callback
