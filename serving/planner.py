"""Which table answers a report (and nothing else: dialects write the SQL)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from serving.reports import ReportQuery
from serving.semantic import DIMENSIONS

__all__ = ["Plan", "plan_report"]


@dataclass(frozen=True)
class Plan:
    """The table that answers a report, and how its rows are keyed in time."""

    table: Literal["rollup_daily", "rollup_hourly"]

    @property
    def time_grain(self) -> Literal["date", "hour"]:
        """``date``: rows are site-local days; ``hour``: rows are UTC hours."""
        return "hour" if self.table == "rollup_hourly" else "date"


def plan_report(query: ReportQuery) -> Plan:
    """Hourly questions go to ``rollup_hourly`` (UTC hours, shown in the site's zone);
    everything else to ``rollup_daily`` (already in the site's zone)."""
    hourly = any(DIMENSIONS[d].time == "hour" for d in query.dimensions)
    return Plan("rollup_hourly" if hourly else "rollup_daily")
