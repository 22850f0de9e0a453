"""Which date partitions a change to bronze invalidates, as contiguous ranges to rebuild.

A new event on UTC date E can extend or merge sessions that started on E-1 (a session
crossing midnight), E, or E+1 (that session may now start on E), and any older session
still running on E-1 (sessions spanning several midnights).  The hourly rollup changes
wherever those sessions' events lie; the daily rollup, in site-local dates, one day
further either way.  Every asset of a refresh rebuilds the same range, so the range is
the union of all that, padded by a day on each side.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

__all__ = ["RefreshRange", "refresh_ranges"]

_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class RefreshRange:
    """Partitions ``first..last`` to rebuild; covers ``changed`` notes up to ``noted_until``."""

    first: dt.date
    last: dt.date
    changed: tuple[dt.date, ...]
    noted_until: dt.datetime


def _affected(day: dt.date, long_sessions: pl.DataFrame) -> tuple[dt.date, dt.date]:
    """Date range whose partitions a new event on ``day`` may change (before padding)."""
    starts: list[dt.date] = long_sessions.filter(
        (pl.col("session_date") < day - _DAY) & (pl.col("end_date") >= day - _DAY)
    )["session_date"].to_list()
    first = min([day - _DAY, *starts])
    ends: list[dt.date] = long_sessions.filter(
        pl.col("session_date").is_between(first, day + _DAY)
    )["end_date"].to_list()
    return first, max([day + _DAY, *ends])


def refresh_ranges(
    pending: Mapping[dt.date, dt.datetime],
    long_sessions: pl.DataFrame,
    bounds: tuple[dt.date, dt.date],
) -> list[RefreshRange]:
    """Contiguous partition ranges to rebuild for the ``pending`` changed dates.

    ``long_sessions`` has ``session_date`` and ``end_date`` (UTC date of the last event)
    of the existing sessions that cross midnight; ``bounds`` are the first and last
    partition that exist.  Overlapping or adjacent ranges are merged.
    """
    spans = []
    for day in sorted(pending):
        first, last = _affected(day, long_sessions)
        spans.append((max(first - _DAY, bounds[0]), min(last + _DAY, bounds[1]), day))
    merged: list[list] = []
    for first, last, day in sorted(spans):
        if first > last:
            continue
        if merged and first <= merged[-1][1] + _DAY:
            merged[-1][1] = max(merged[-1][1], last)
            merged[-1][2].append(day)
        else:
            merged.append([first, last, [day]])
    return [
        RefreshRange(first, last, tuple(days), max(pending[d] for d in days))
        for first, last, days in merged
    ]
