"""Field normalisation for MyUnisoft: piece numbers and labels that the API accepts as they are."""

from __future__ import annotations

import re
import unicodedata

LABEL_MAX = 50
PIECE_MAX = 25
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")
_CONTROL_OR_SEPARATOR = re.compile(r"[\x00-\x1f\x7f-\x9f|;\t\r\n]+")
_SPACES = re.compile(r"\s+")


def piece_number(number: str) -> str:
    """``FA/2025-00012`` -> ``FA202500012``: only ``[A-Za-z0-9]`` and at most 25 characters.

    Accents are folded to their letter first (``É`` -> ``E``). When too long, the end is kept: it
    holds the sequence number that tells two invoices apart.
    """
    ascii_text = unicodedata.normalize("NFKD", number).encode("ascii", "ignore").decode("ascii")
    return _NOT_ALNUM.sub("", ascii_text)[-PIECE_MAX:]


def clean_label(text: str) -> str:
    """Control characters and separators removed, spaces collapsed, at most 50 characters."""
    cleaned = _SPACES.sub(" ", _CONTROL_OR_SEPARATOR.sub(" ", text)).strip()
    return cleaned[:LABEL_MAX].rstrip()


def entry_label(*parts: str) -> str:
    """A label built from the given parts (number, third-party name...), never empty."""
    label = clean_label(" ".join(p for p in parts if p and p.strip()))
    return label or "Écriture GI"
