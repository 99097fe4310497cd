"""The one operator of a dossier DAG: a named step of :mod:`gisync.pipeline`, run through :func:`tasks.step`.

A plain ``BaseOperator`` subclass rather than ``@task``-decorated functions: the decorator inspects a
function signature and copies the DAG's params into every task, which made a 1 000-dossier DAG file take
~11 s to parse (``bench/parse.py``). What runs is the same: the step's summary dict becomes the task's
``return_value`` XCom.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseOperator

from gisync.config import DossierConfig
from gisync_dags import tasks


class DossierStepOperator(BaseOperator):
    """Runs ``pipeline.<step>(run[, arg])`` for one dossier; ``arg`` is the check or the journal."""

    ui_color = "#e8f4ea"

    def __init__(self, *, cfg: DossierConfig, step: str, arg: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cfg = cfg
        self.step = step
        self.arg = arg

    def execute(self, context: Any) -> dict[str, Any]:
        return tasks.step(self.cfg, self.step, context, self.arg)
