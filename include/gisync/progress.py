"""Progress lines for long loads: a first sync of a few thousand invoices takes tens of minutes at
MyUnisoft's rate limit, and the person watching the task log must see it move.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable

log = logging.getLogger("gisync.progress")


class Progress:
    """Logs ``done/total``, the outcomes so far, the write rate against the token's ceiling and the
    time left, at most every ``every`` seconds (and once at the end)."""

    def __init__(
        self,
        label: str,
        total: int,
        *,
        ceiling: Callable[[], float | None] = lambda: None,
        every: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        emit: Callable[[str], None] = log.info,
    ) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self.outcomes: Counter[str] = Counter()
        self._ceiling = ceiling
        self._every = every
        self._clock = clock
        self._emit = emit
        self._start = self._last = clock()

    def step(self, outcome: str) -> None:
        self.done += 1
        self.outcomes[outcome] += 1
        now = self._clock()
        if now - self._last >= self._every:
            self._last = now
            self._emit(self.line(now))

    def finish(self) -> None:
        self._emit(self.line(self._clock()))

    def line(self, now: float) -> str:
        elapsed = max(now - self._start, 1e-9)
        written = self.outcomes.get("created", 0)
        rate = written / elapsed
        parts = [f"{self.label}: {self.done}/{self.total} documents"]
        parts.append(", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items())) or "none yet")
        ceiling = self._ceiling()
        rate_text = f"{rate:.2f} entries/s"
        if ceiling:
            rate_text += f" (ceiling {ceiling:.2f}/s, {rate / ceiling:.0%})"
        parts.append(rate_text)
        left = self.total - self.done
        if left and self.done:
            parts.append(f"about {left * elapsed / self.done:.0f} s left")
        return " — ".join(parts)
