"""A throw-away PostgreSQL schema for sync-state tests (PostgreSQL at 127.0.0.1:5432 here and in CI)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

PG_URL = os.environ.get("GISYNC_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


def available() -> bool:
    try:
        with create_engine(PG_URL).connect() as conn:
            conn.execute(text("select 1"))
        return True
    except Exception:
        return False


@contextmanager
def schema_url() -> Iterator[str]:
    """A URL whose tables land in a fresh schema, dropped afterwards. Required in CI, skipped elsewhere."""
    if not available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI at {PG_URL}")
        pytest.skip("PostgreSQL not reachable")
    schema = f"t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield PG_URL + f"?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
