"""Per-token fixed-window rate limit and per-route concurrency cap (API.md §3), and the counters
behind ``GET /_sim/calls`` (calls per route, highest concurrency, highest sliding-window rate).

A fixed window starts at the first counted call and lasts ``window`` seconds; at most ``limit``
calls pass in it. ``X-Rate-Limit-Reset`` is that window's end as float epoch seconds, as the real
server sends it, so a client that sleeps until Reset is guaranteed a fresh budget.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
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


class InFlight:
    """Concurrent calls per (token, route), capped at ``limit`` (API.md §3: 10 per route).

    ``enter`` and ``leave`` are called by the async gate on the event loop, while ``/_sim/calls`` reads
    the maxima from a threadpool worker: a plain lock keeps both consistent. ``max_in_flight`` is the
    highest number of admitted calls of one token running at once on a route (refused ones never run).
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._current: Counter[tuple[str, str]] = Counter()
        self._max: dict[str, int] = {}

    def enter(self, key: str, route: str) -> bool:
        """Admit one more call on ``route`` for ``key``; False (nothing counted) when it is full."""
        with self._lock:
            running = self._current[(key, route)]
            if running >= self.limit:
                return False
            self._current[(key, route)] = running + 1
            self._max[route] = max(self._max.get(route, 0), running + 1)
            return True

    def leave(self, key: str, route: str) -> None:
        with self._lock:
            self._current[(key, route)] -= 1
            if self._current[(key, route)] <= 0:
                del self._current[(key, route)]

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._max)

    def reset(self) -> None:
        """Zero the maxima; calls still running keep their slot until they leave."""
        with self._lock:
            self._max = {}


class RateObserver:
    """Highest number of calls of one token seen in any sliding window of ``window`` seconds.

    The window is half-open, ``(t - window, t]``, like the limiter's (a call at exactly ``start +
    window`` opens a new fixed window), so a client pacing exactly at the budget never shows above it.
    ``calls`` counts every ``/api/v1`` call that carries a bearer token, refused ones included (what
    the client sent); ``admitted`` only those that passed auth and the budget (what the limiter let in).
    """

    def __init__(self, window: float) -> None:
        self.window = window
        self._lock = threading.Lock()
        self._times: dict[tuple[str, str], deque[float]] = {}
        self._max: Counter[str] = Counter()

    def observe(self, key: str, kind: str = "calls") -> None:
        with self._lock:
            now = time.monotonic()
            times = self._times.setdefault((kind, key), deque())
            times.append(now)
            while times and times[0] <= now - self.window:
                times.popleft()
            self._max[kind] = max(self._max[kind], len(times))

    def snapshot(self) -> dict[str, float | int]:
        with self._lock:
            return {
                "window": self.window,
                "max_calls_in_any_window": self._max["calls"],
                "max_admitted_in_any_window": self._max["admitted"],
            }

    def reset(self) -> None:
        with self._lock:
            self._times.clear()
            self._max.clear()


class Tally:
    """A thread-safe ``Counter`` (faults fired by kind, gate refusals by code)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def add(self, key: str) -> None:
        with self._lock:
            self._counts[key] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
