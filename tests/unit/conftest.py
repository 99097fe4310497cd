"""Fixtures of the unit tests (the builders themselves live in builders.py)."""

from __future__ import annotations

import pytest

from gisync.myunisoft.reference import FolderRefs

from builders import folder


@pytest.fixture
def refs() -> FolderRefs:
    return folder()
