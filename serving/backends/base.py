"""The protocol every query backend follows (as httpx's transports do)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Protocol

import polars as pl

from serving.sql import Dialect, RenderedQuery

__all__ = ["Backend", "QueryTimeoutError", "Result", "Tiers"]


class QueryTimeoutError(RuntimeError):
    """A query ran past ``STRATA_QUERY_TIMEOUT_SECONDS`` and was stopped (a 504)."""


@dataclass(frozen=True)
class Result:
    """Column names and rows of one query."""

    columns: list[str]
    rows: list[tuple[Any, ...]]


class Backend(Protocol):
    """Runs rendered SQL on one engine; ``source`` names it in answers (tier.engine)."""

    dialect: Dialect
    source: str

    def run(self, query: RenderedQuery) -> Result:
        """Rows of ``query``; blocking (routes call it from a worker thread)."""
        ...

    def frame(self, query: RenderedQuery, categorical: bool = False) -> pl.DataFrame:
        """Rows of ``query`` as a Polars frame (analyses that compute over many rows);
        ``categorical``: text the engine sends as a dictionary stays ``Categorical``
        (see ``Dialect.coded_text``) instead of becoming plain text."""
        ...

    def cubes(self) -> Collection[str]:
        """The cubes this engine holds whole now (the planner reads a cube's rollup
        instead of a cube missing here)."""
        ...


@dataclass(frozen=True)
class Tiers:
    """The backend of each tier: ClickHouse for the hot window, DuckDB over the lake for
    ranges reaching further back (``hot_window_days`` None: everything is hot)."""

    hot: Backend
    cold: Backend
    hot_window_days: int | None

    @classmethod
    def single(cls, backend: Backend) -> Tiers:
        """One backend answering every range (tests pin an engine this way)."""
        return cls(backend, backend, None)

    def first_hot_day(self) -> dt.date | None:
        """The first site-local day the hot tier holds whole today (None: all of them):
        ClickHouse keeps raw UTC days from ``today - hot_window_days``, and a local day can
        begin on the UTC day before."""
        if self.hot_window_days is None:
            return None
        today = dt.datetime.now(dt.UTC).date()
        return today - dt.timedelta(days=self.hot_window_days - 1)

    def backend(self, tier: str) -> Backend:
        """The backend of ``tier`` (``hot`` or ``cold``)."""
        return self.hot if tier == "hot" else self.cold
