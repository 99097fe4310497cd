"""gisync: keeps an accounting firm's MyUnisoft books in step with its internal-management software (GI).

The package is pure Python and never imports Airflow: every rule lives here, the DAGs only call
:mod:`gisync.pipeline`.
"""

__version__ = "0.1.0"
