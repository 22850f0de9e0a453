"""Cubes: a rollup day re-aggregated over fewer dimensions, for the dashboard's common shapes.

A rollup row is keyed by page × eight session attributes, so the rollups are nearly
as large as the raw events.  A cube keeps the rollup's time key and only a few of its
dimensions (day totals; day × channel/source/medium/campaign; day × country × device ×
browser × os; day × page): counts and sums add up over the dropped dimensions (each
session sits on exactly one rollup row, that of its entry page), and the visitor lists
are united, so a cube answers exactly what its rollup answers for its dimensions.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from lake.transforms.rollups import ROLLUP_METRIC_COLUMNS

__all__ = ["CUBES", "Cube", "cube_of"]


@dataclass(frozen=True)
class Cube:
    """A cube: the rollup it is made from and the dimensions it keeps."""

    rollup: str
    dimensions: tuple[str, ...]
    description: str

    @property
    def daily(self) -> bool:
        """True when made from ``rollup_daily`` (site-local days), else UTC hours."""
        return self.rollup == "rollup_daily"

    @property
    def time_column(self) -> str:
        """The column a row's time is in: ``date`` (site-local) or ``hour`` (UTC)."""
        return "date" if self.daily else "hour"

    @property
    def partition_column(self) -> str:
        """The column the lake partitions by: ``date``, or the ``utc_date`` of the hour."""
        return "date" if self.daily else "utc_date"


#: Every cube, smallest first: the query planner takes the first that covers a report.
CUBES: dict[str, Cube] = {
    "cube_daily_totals": Cube("rollup_daily", (), "Per site and site-local day: totals."),
    "cube_hourly_totals": Cube("rollup_hourly", (), "Per site and UTC hour: totals."),
    "cube_daily_channels": Cube(
        "rollup_daily",
        ("channel", "utm_source", "utm_medium", "utm_campaign"),
        "Per site-local day × channel, source, medium and campaign of the session.",
    ),
    "cube_daily_technology": Cube(
        "rollup_daily",
        ("country", "device", "browser", "os"),
        "Per site-local day × country, device, browser and OS of the session.",
    ),
    "cube_daily_pages": Cube(
        "rollup_daily",
        ("page_path",),
        "Per site-local day × page (session measures: the entry page).",
    ),
}


def cube_of(rollup: pl.LazyFrame, cube: Cube) -> pl.LazyFrame:
    """Rows of ``rollup`` (one of its day partitions, or several) summed over the
    dimensions ``cube`` drops; visitor lists united (exact, sorted)."""
    time_keys = list(dict.fromkeys([cube.time_column, cube.partition_column]))
    keys = ["tracking_id", *time_keys, *cube.dimensions]
    summed = [c for c in ROLLUP_METRIC_COLUMNS if c != "users"]
    users = pl.col("users").explode().drop_nulls().unique().sort()
    return (
        rollup.group_by(keys)
        .agg(*(pl.col(c).sum() for c in summed), users=users)
        .select(*keys, *ROLLUP_METRIC_COLUMNS)
    )
