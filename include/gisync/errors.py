"""Errors typed by what the caller can do about them.

- :class:`ConfigError` — the dossier's configuration, link or credentials are wrong: stop the dossier.
- :class:`DataError` — one document cannot be posted as it is: hold or reject that document.
- :class:`TransientError` — throttling, outage, timeout: wait, retry through the lookup, or defer.

Messages are one line a person can act on and never contain a token or a secret.
"""

from __future__ import annotations


class GisyncError(Exception):
    """Base class: ``code`` is a stable identifier, ``str(exc)`` the one-line message."""

    code = "GISYNC"
    status: int | None = None  # HTTP status when the error comes from an API answer

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.status = status


class ConfigError(GisyncError):
    """Configuration, link or credentials: the whole dossier stops until a person fixes it."""

    code = "config"


class DataError(GisyncError):
    """One document's data is refused: that document is held or rejected, the others go on."""

    code = "data"


class TransientError(GisyncError):
    """Throttling, maintenance, timeout or lost connection: retry later (never a blind re-POST)."""

    code = "transient"


class GiExtractionError(ConfigError):
    """The GI did not prove it returned everything (repeated page, stuck cursor, wrong total)."""

    code = "gi_extraction"

    def __init__(self, resource: str, message: str) -> None:
        super().__init__(f"GI {resource}: {message}")
        self.resource = resource
