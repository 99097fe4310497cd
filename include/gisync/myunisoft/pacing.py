"""Client-side pacing per MyUnisoft token: stay under the rate limit instead of collecting 429s.

A token bucket (``rate`` requests per ``window`` seconds) shared by every client of the same token in
this process, corrected by what the server says: ``X-Rate-Limit-Total`` sets the budget,
``X-Rate-Limit-Remaining`` = 0 makes the next call wait until ``X-Rate-Limit-Reset``.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Mapping


class TokenPacer:
    def __init__(
        self,
        rate: int,
        window: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate
        self.window = window
        self._clock = clock
        self._wall = wall
        self._sleep = sleep
        self._tokens = float(rate)
        self._stamp = clock()
        self._not_before = 0.0
        self._lock = threading.Lock()
        self.waited_seconds = 0.0
        self.throttled = 0

    def _refill(self, now: float) -> None:
        self._tokens = min(float(self.rate), self._tokens + (now - self._stamp) * self.rate / self.window)
        self._stamp = now

    def acquire(self) -> None:
        """Block until one request may be sent."""
        while True:
            with self._lock:
                now = self._clock()
                self._refill(now)
                wait = max(0.0, self._not_before - now)
                if wait == 0.0 and self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                if wait == 0.0:
                    wait = (1.0 - self._tokens) * self.window / self.rate
            self.waited_seconds += wait
            self._sleep(wait)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Adopt the server's budget and wait out an exhausted window."""
        total = headers.get("X-Rate-Limit-Total")
        remaining = headers.get("X-Rate-Limit-Remaining")
        reset = headers.get("X-Rate-Limit-Reset")
        with self._lock:
            if total and total.isdigit() and int(total) > 0 and int(total) != self.rate:
                self.rate = int(total)
                self._tokens = min(self._tokens, float(self.rate))
            if remaining is not None and remaining.strip() == "0" and reset:
                self._wait_until_reset(reset)

    def penalise(self, headers: Mapping[str, str], max_wait: float) -> float:
        """After a 429: no call before the window resets (bounded); returns the wait decided."""
        with self._lock:
            self.throttled += 1
            reset = headers.get("X-Rate-Limit-Reset")
            wait = self._wait_until_reset(reset) if reset else self.window
            wait = min(max(wait, 0.05), max_wait)
            self._not_before = max(self._not_before, self._clock() + wait)
            self._tokens = 0.0
            return wait

    def _wait_until_reset(self, reset: str) -> float:
        try:
            wait = float(reset) - self._wall()
        except ValueError:
            return self.window
        wait = min(max(wait, 0.0), self.window * 2)
        self._not_before = max(self._not_before, self._clock() + wait)
        return wait


_PACERS: dict[str, TokenPacer] = {}
_PACERS_LOCK = threading.Lock()


def pacer_for(token: str, rate: int, window: float) -> TokenPacer:
    """The process-wide pacer of a token (keyed by a hash: the token itself is never kept as a key)."""
    key = hashlib.sha256(token.encode()).hexdigest()
    with _PACERS_LOCK:
        pacer = _PACERS.get(key)
        if pacer is None:
            pacer = _PACERS[key] = TokenPacer(rate, window)
        return pacer
