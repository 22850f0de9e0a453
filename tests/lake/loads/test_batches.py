"""A few days per lake or hot-tier write: the groups :func:`lake.loads.day_batches` makes."""

from __future__ import annotations

import datetime as dt

from lake.loads import day_batches
from lake.loads.rollups import WRITE_DAYS, WRITE_ROWS


def _days(n: int) -> list[dt.date]:
    return [dt.date(2026, 3, 1) + dt.timedelta(days=i) for i in range(n)]


def test_small_days_go_together_up_to_a_week() -> None:
    days = _days(WRITE_DAYS + 2)
    rows = {d.isoformat(): 10 for d in days}
    assert list(day_batches(days, rows)) == [days[:WRITE_DAYS], days[WRITE_DAYS:]]
    assert list(day_batches(days[:4], {})) == [days[:4]]  # days the table lacks: 0 rows


def test_big_days_are_held_alone_and_groups_stay_under_the_row_cap() -> None:
    d = _days(5)
    half, big = WRITE_ROWS // 2, WRITE_ROWS + 1
    rows = {d[0].isoformat(): half, d[1].isoformat(): half, d[2].isoformat(): 1}
    rows |= {d[3].isoformat(): big, d[4].isoformat(): 1}
    # half + half fills the cap; the third day would pass it; a day over the cap alone
    assert list(day_batches(d, rows)) == [[d[0], d[1]], [d[2]], [d[3]], [d[4]]]
