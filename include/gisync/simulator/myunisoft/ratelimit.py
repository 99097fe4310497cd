"""Per-token fixed-window rate limit (API.md §3) and the call counters behind ``GET /_sim/calls``.

A fixed window starts at the first counted call and lasts ``window`` seconds; at most ``limit``
calls pass in it. ``X-Rate-Limit-Reset`` is that window's end as float epoch seconds, as the real
server sends it, so a client that sleeps until Reset is guaranteed a fresh budget.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    allowed: bool
    total: int
    remaining: int
    reset: float

    def headers(self) -> dict[str, str]:
        return {
            "X-Rate-Limit-Total": str(self.total),
            "X-Rate-Limit-Remaining": str(self.remaining),
            "X-Rate-Limit-Reset": f"{self.reset:.6f}",
        }


class RateLimiter:
    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}

    def _current(self, key: str, now: float) -> tuple[float, int]:
        start, count = self._windows.get(key, (now, 0))
        if now >= start + self.window:
            return now, 0
        return start, count

    def hit(self, key: str) -> Budget:
        """Count one call for ``key`` unless its budget is spent (then ``allowed`` is False)."""
        with self._lock:
            now = time.time()
            start, count = self._current(key, now)
            if count >= self.limit:
                self._windows[key] = (start, count)
                return Budget(False, self.limit, 0, start + self.window)
            self._windows[key] = (start, count + 1)
            return Budget(True, self.limit, self.limit - count - 1, start + self.window)

    def peek(self, key: str) -> Budget:
        """The budget as it stands, without counting (for calls refused before the limiter)."""
        with self._lock:
            now = time.time()
            start, count = self._current(key, now)
            return Budget(True, self.limit, max(self.limit - count, 0), start + self.window)

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()


# ``POST entries`` searches: it is a read although its method is POST.
READ_ROUTES = frozenset({"POST /api/v1/entries"})


class CallCounter:
    """Calls per ``"METHOD /route"``, split into reads and writes (a test asserts e.g. no re-POST)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()

    def count(self, method: str, path: str) -> None:
        with self._lock:
            self._calls[f"{method} {path.rstrip('/') or '/'}"] += 1

    def snapshot(self) -> dict[str, object]:
        with self._lock:
            reads = {k: n for k, n in self._calls.items() if k.startswith(("GET ", "HEAD ")) or k in READ_ROUTES}
            writes = {k: n for k, n in self._calls.items() if k not in reads}
            return {"writes": writes, "reads": reads, "total": sum(self._calls.values())}

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
