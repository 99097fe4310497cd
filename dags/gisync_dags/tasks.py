"""Task bodies: unpack the Airflow context, call :mod:`gisync.pipeline`, return a small summary.

Heavy imports happen here, inside the functions, never at DAG parse time.
"""

from __future__ import annotations

from typing import Any

from gisync.config import DossierConfig


def dossier_run(cfg: DossierConfig, context: dict[str, Any]) -> Any:
    """The pipeline's view of this Airflow run: params, clients from Connections, sync-state DB."""
    from gisync.ledger import Ledger
    from gisync.pipeline import DossierRun, RunParams
    from gisync_airflow.hooks import GiHook, MyUnisoftHook
    from gisync_dags import paths

    params = context.get("params") or {}
    run_params = RunParams(
        demo=bool(params.get("demo", False)),
        only_one_entry=bool(params.get("only_one_entry", False)),
        clients=tuple(str(c) for c in (params.get("clients") or [])),
    )
    return DossierRun(
        cfg=cfg,
        run_id=str(context["run_id"]),
        params=run_params,
        ledger=Ledger(paths.state_db_url()),
        myunisoft=lambda: MyUnisoftHook(cfg.myunisoft_conn_id).get_client(
            society_id=cfg.society_id, rate_limit=cfg.rate_limit, window=cfg.rate_window_seconds
        ),
        gi=lambda: GiHook(cfg.gi_conn_id).get_client(),
        reports_dir=paths.reports_dir(),
    )


def step(cfg: DossierConfig, name: str, context: dict[str, Any], arg: str | None = None) -> dict[str, Any]:
    """Run one pipeline step; ``arg`` is the check or journal of validate/load steps."""
    from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

    from gisync import pipeline
    from gisync.errors import ConfigError

    run = dossier_run(cfg, context)
    func = getattr(pipeline, name)
    try:
        result: dict[str, Any] = func(run, arg) if arg is not None else func(run)
    except pipeline.DossierDeferred as exc:
        # An outage is not a failure of the dossier: skip what depends on it, the report says why.
        raise AirflowSkipException(str(exc)) from None
    except ConfigError as exc:
        # Credentials, configuration, a GI that did not prove it returned everything: retrying cannot
        # help, a person must act. One line says what and how.
        pipeline.record_failure(run, name if arg is None else f"{name}_{arg}", exc)
        raise AirflowFailException(str(exc)) from None
    except Exception as exc:
        pipeline.record_failure(run, name if arg is None else f"{name}_{arg}", exc)
        raise
    return result
