"""The pacer on a fake clock: never more than `rate` calls in any sliding window, and the headers obeyed."""

from __future__ import annotations

import pytest

from gisync.myunisoft.pacing import MARGIN, TokenPacer


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _pacer(rate: int = 20, window: float = 10.0) -> tuple[TokenPacer, FakeClock]:
    clock = FakeClock()
    return TokenPacer(rate, window, clock=clock, wall=clock, sleep=clock.sleep), clock


def test_sustained_load_stays_under_the_budget_in_every_window() -> None:
    pacer, clock = _pacer()
    sent = []
    for _ in range(100):
        pacer.acquire()
        sent.append(clock.now)
    assert max(sum(1 for t in sent if start <= t < start + 10.0) for start in sent) == 20
    # and close to the ceiling: 100 calls need 4 full windows after the first burst
    assert sent[-1] - sent[0] <= 4 * 10.0 * (1 + MARGIN) + 1e-9
    assert pacer.throttled == 0


def test_remaining_zero_waits_until_reset() -> None:
    pacer, clock = _pacer()
    pacer.acquire()
    pacer.observe(
        {"X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": str(clock.now + 3.5), "X-Rate-Limit-Total": "20"}
    )
    before = clock.now
    pacer.acquire()
    assert clock.now - before == 3.5


def test_server_total_replaces_the_configured_rate() -> None:
    pacer, clock = _pacer(rate=20)
    pacer.observe({"X-Rate-Limit-Total": "10"})
    sent = []
    for _ in range(11):
        pacer.acquire()
        sent.append(clock.now)
    assert sent[9] == sent[0] and sent[10] > sent[0] + 10.0


def test_429_blocks_until_reset_bounded() -> None:
    pacer, clock = _pacer()
    wait = pacer.penalise({"X-Rate-Limit-Reset": str(clock.now + 500)}, max_wait=20.0)
    assert wait == 20.0 and pacer.throttled == 1
    before = clock.now
    pacer.acquire()
    assert clock.now - before == 20.0


def test_the_window_counts_from_the_answer_not_the_send() -> None:
    """A slow answer (latency) moves the call's slot: the server saw it no later than the answer."""
    pacer, clock = _pacer(rate=2, window=10.0)
    first = pacer.acquire()
    clock.sleep(3.0)  # the first call takes 3 s to answer
    pacer.complete(first)
    second = pacer.acquire()
    pacer.complete(second)
    before = clock.now
    pacer.acquire()  # third call: must wait until 10 s (+margin) after the first *answer*
    assert clock.now - before == pytest.approx(10.0 * (1 + MARGIN))
