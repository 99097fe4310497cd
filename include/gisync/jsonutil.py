"""JSON in and out without floats: decimals are read as Decimal and written as exact JSON numbers."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import simplejson


def loads(text: str | bytes) -> Any:
    """Decode JSON; every non-integer number becomes a Decimal."""
    return simplejson.loads(text, parse_float=Decimal, use_decimal=False)


def dumps(obj: Any, *, indent: int | None = None) -> str:
    """Encode JSON; a Decimal is written as the number it is (``12.30``), never through a float."""
    return simplejson.dumps(obj, use_decimal=True, ensure_ascii=False, indent=indent, sort_keys=False, default=str)


def read_file(path: str | Path) -> Any:
    return loads(Path(path).read_text(encoding="utf-8"))


def write_file(path: str | Path, obj: Any, *, indent: int | None = 2) -> None:
    """Write atomically (temp file + rename) so a crash never leaves half a file behind."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(dumps(obj, indent=indent), encoding="utf-8")
    tmp.replace(target)
