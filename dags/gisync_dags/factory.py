"""Build one Airflow DAG per dossier config (DESIGN.md §3).

Parse time stays cheap (1 000 dossiers in one file, ``bench/parse.py``): only the YAML configs are read
here; clients, pandas and SQLAlchemy are imported inside the task bodies. The params are the same for
every dossier: they are checked once per process and given to each DAG after its tasks exist, so Airflow
neither re-validates their JSON schema per DAG nor deep-copies them into each of its ten tasks (at run
time the task reads the DAG's params, merged with the run's conf).
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from airflow.sdk import DAG, Param
from airflow.sdk.definitions.param import ParamsDict

from gisync.config import DossierConfig
from gisync_dags import callbacks
from gisync_dags.operator import DossierStepOperator

# Tasks that talk to the GI or MyUnisoft retry with backoff; the rest (pure checks on what extract
# stored, the report) fail for reasons a retry cannot change. A ConfigError fails at once (no retry), an
# outage skips the dossier until the next run (DossierDeferred).
API_RETRIES: dict[str, Any] = {
    "retries": 2,
    "retry_delay": dt.timedelta(seconds=30),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": dt.timedelta(minutes=10),
}
# A load retry first looks up every document left `sending`: waiting well past the client's 30-s
# timeout lets a POST still in flight when the worker died land before that lookup.
LOAD_RETRIES: dict[str, Any] = {
    **API_RETRIES,
    "retry_delay": dt.timedelta(minutes=2),
    "max_retry_delay": dt.timedelta(minutes=15),
}
VALIDATIONS = ("accounts", "payment_modes", "clients", "journals_and_periods")


def token_pool(cfg: DossierConfig) -> str:
    """The Airflow pool of the dossier's MyUnisoft token: its connection id (one token per connection)."""
    return cfg.myunisoft_conn_id


def dossier_params() -> dict[str, Param]:
    return {
        "demo": Param(
            False,
            type="boolean",
            title="Demo (write nothing)",
            description="Read everything, write nothing to MyUnisoft, and write the payloads that would be sent.",
        ),
        "only_one_entry": Param(
            False,
            type="boolean",
            title="Write one entry only",
            description="Post a single document for real, then read it back from MyUnisoft.",
        ),
        "clients": Param(
            None,
            type=["null", "array"],
            items={"type": "string"},
            title="Only these GI clients",
            description="GI client ids to sync (empty: all clients).",
        ),
    }


@functools.cache
def _checked_params() -> None:
    """The params' defaults must satisfy their own schema (what Airflow checks for a scheduled DAG)."""
    ParamsDict(dossier_params()).validate()


def doc_md(cfg: DossierConfig) -> str:
    journals = f"sales `{cfg.journals.sales}`, payments `{cfg.journals.payments}`"
    if cfg.purchases.enabled:
        journals += f", purchases `{cfg.journals.purchases}`"
    return (
        f"### GI → MyUnisoft: {cfg.name or cfg.slug}\n\n"
        f"Syncs clients, invoices, credit notes and payments"
        f"{' and purchases' if cfg.purchases.enabled else ''} from **{cfg.start_date}** (invoice date) "
        f"into MyUnisoft journals {journals}.\n\n"
        f"- client auto-creation: **{'on' if cfg.auto_create_clients else 'off'}**\n"
        f"- connections: MyUnisoft `{cfg.myunisoft_conn_id}`, GI `{cfg.gi_conn_id}`\n"
        f"- trigger with `demo` to see what would be written without writing anything.\n"
    )


def build_dossier_dag(cfg: DossierConfig) -> DAG:
    """check_link → extract → validate_* → load_sales → load_payments → report (+ load_purchases)."""

    def make(name: str, arg: str | None = None, **options: Any) -> DossierStepOperator:
        task_id = f"{name}_{arg}" if arg else name
        return DossierStepOperator(task_id=task_id, cfg=cfg, step=name, arg=arg, **options)

    _checked_params()
    with DAG(
        dag_id=cfg.dag_id,
        description=f"GI → MyUnisoft sync of dossier {cfg.slug}",
        schedule=cfg.schedule,
        start_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        catchup=False,
        max_active_runs=1,
        tags=["gisync", f"dossier:{cfg.slug}"],
        doc_md=doc_md(cfg),
        default_args={"owner": cfg.owner, "on_failure_callback": callbacks.on_failure(cfg)},
        is_paused_upon_creation=True,
    ) as dag:
        link = make("check_link", **API_RETRIES)
        extract = make("extract", **API_RETRIES)
        # validate_clients creates missing accounts in MyUnisoft (an upsert by number: retry-safe).
        checks = [make("validate", c, **(API_RETRIES if c == "clients" else {})) for c in VALIDATIONS]
        # One pool per MyUnisoft connection (one token): parallel dossiers sharing a firm token take
        # turns instead of splitting its rate limit. `make up` and docker-compose create the pool.
        pool = {"pool": token_pool(cfg), **LOAD_RETRIES}
        sales = make("load", "sales", **pool)
        payments = make("load", "payments", **pool)
        purchases = make("load", "purchases", **pool)
        report = make("report", trigger_rule="all_done")
        link >> extract >> checks
        for check in checks:
            check >> [sales, purchases]
        sales >> payments >> report
        purchases >> report
    dag.params.update(dossier_params())
    return dag
