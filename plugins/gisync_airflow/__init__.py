"""Airflow glue of gisync that Airflow loads from ``plugins/``: hooks turning Connections into clients."""
