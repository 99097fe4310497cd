"""Progress lines of a long load: at most every 10 s, with rate against the ceiling and time left."""

from __future__ import annotations

from gisync.progress import Progress


def test_lines_every_ten_seconds_with_rate_ceiling_and_eta() -> None:
    now = [0.0]
    lines: list[str] = []
    progress = Progress("demo sales", 100, ceiling=lambda: 2.0, clock=lambda: now[0], emit=lines.append)
    for i in range(40):
        now[0] = (i + 1) * 0.5  # 2 documents per second
        progress.step("created" if i % 10 else "held")
    assert len(lines) == 2  # at 10 s and 20 s, not every document
    assert lines[-1] == (
        "demo sales: 40/100 documents — created 36, held 4 — 1.80 entries/s (ceiling 2.00/s, 90%) — about 30 s left"
    )
    progress.finish()
    assert len(lines) == 3


def test_without_writes_there_is_no_ceiling() -> None:
    lines: list[str] = []
    progress = Progress("demo payments", 2, clock=lambda: 5.0, emit=lines.append)
    progress.step("already_synced")
    progress.step("already_synced")
    progress.finish()
    assert lines == ["demo payments: 2/2 documents — already_synced 2 — 0.00 entries/s"]
