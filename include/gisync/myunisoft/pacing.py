"""Client-side pacing per MyUnisoft token: stay under the rate limit instead of collecting 429s.

A sliding log of calls: never more than ``rate`` calls in any ``window`` seconds, shared by every
client of the same token in this process. Each call's time in the log is moved to when its answer came
back (:meth:`TokenPacer.complete`): the server saw it before then, so waiting ``window`` from that
moment holds at the server whatever the network latency. This keeps a
sustained load at the advertised ceiling without a 429, whatever the server's window alignment.
What the server says corrects it: ``X-Rate-Limit-Total`` sets the budget, ``X-Rate-Limit-Remaining``
= 0 (another process used the token) makes the next call wait until ``X-Rate-Limit-Reset``, and a 429
blocks every caller until the reset.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping

MARGIN = 0.01  # fraction of the window added between the oldest and the next call (latency jitter)


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
        self._sent: deque[list[float]] = deque()  # one mutable cell per call: send, then answer time
        self._not_before = 0.0
        self._lock = threading.Lock()
        self.waited_seconds = 0.0
        self.throttled = 0

    def acquire(self) -> list[float]:
        """Block until one more call fits in the budget; returns the call's cell for :meth:`complete`."""
        while True:
            with self._lock:
                now = self._clock()
                horizon = self.window * (1 + MARGIN)
                self._sent = deque(cell for cell in self._sent if now - cell[0] < horizon - 1e-9)
                wait = max(0.0, self._not_before - now)
                if len(self._sent) >= self.rate:
                    times = sorted(cell[0] for cell in self._sent)
                    wait = max(wait, times[len(times) - self.rate] + horizon - now)
                if wait <= 1e-6:  # due (float rounding can leave a few ULPs)
                    cell = [now]
                    self._sent.append(cell)
                    return cell
            self.waited_seconds += wait
            self._sleep(wait)

    def complete(self, cell: list[float]) -> None:
        """The call's answer arrived: count it from now (the server received it at the latest now)."""
        with self._lock:
            cell[0] = self._clock()

    def observe(self, headers: Mapping[str, str]) -> None:
        """Adopt the server's budget and wait out a window another client exhausted."""
        total = headers.get("X-Rate-Limit-Total")
        remaining = headers.get("X-Rate-Limit-Remaining")
        reset = headers.get("X-Rate-Limit-Reset")
        with self._lock:
            if total and total.strip().isdigit() and int(total) > 0:
                self.rate = int(total)
            if remaining is not None and remaining.strip() == "0" and reset:
                self._block_until(reset)

    def penalise(self, headers: Mapping[str, str], max_wait: float) -> float:
        """After a 429: nobody sends before the window resets (bounded); returns the wait decided."""
        with self._lock:
            self.throttled += 1
            reset = headers.get("X-Rate-Limit-Reset")
            wait = self._block_until(reset) if reset else self.window
            wait = min(max(wait, 0.05), max_wait)
            self._not_before = max(self._not_before, self._clock() + wait)
            return wait

    def _block_until(self, reset: str) -> float:
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
