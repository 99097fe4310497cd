"""Airflow glue only: the DAG factory and the task bodies (each a call into gisync.pipeline)."""
