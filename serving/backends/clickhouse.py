"""The ClickHouse hot tier (embedded chdb or a server), as a query backend."""

from __future__ import annotations

import threading
from typing import Any

import polars as pl

from lake.hot_tier import (
    HotTierBehindError,
    HotTierState,
    hot_tier,
    hot_tier_is_empty,
    hot_tier_state,
    migrate_hot_tier,
)
from lake.settings import Settings
from serving.backends.base import QueryTimeoutError, Result
from serving.sql import ClickHouseDialect, RenderedQuery

__all__ = ["ClickHouseBackend"]

#: Arrow output keeping ``LowCardinality`` text as a dictionary (``frame``'s ``categorical``).
_DICTIONARIES = {"output_format_arrow_low_cardinality_as_dictionary": 1}


class ClickHouseBackend:
    """Queries the hot tier; in embedded mode each query leases the engine briefly.

    What the hot tier holds (:func:`lake.hot_tier.hot_tier_state`: ready cubes, numbered
    events) is asked again before each query until it is settled, and decides the
    dialect (how raw visitors are counted) and the cubes the planner may choose.
    """

    source = "clickhouse"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._state = HotTierState()
        self._lock = threading.Lock()

    def prepare(self) -> None:
        """On an embedded engine holding no table yet (a fresh machine), create the
        schema so reports answer zeros before the first load.  Nothing else: the schema
        belongs to the pipeline (``lake.hot_tier.migrations``); a query finding it
        behind this release is refused with :class:`HotTierBehindError`."""
        if not self.settings.is_embedded_clickhouse:
            return
        with hot_tier(self.settings) as client:
            if hot_tier_is_empty(client):
                migrate_hot_tier(client, self.settings, log=lambda _: None)

    def state(self) -> HotTierState:
        """What the hot tier holds now (asked until nothing can change any more)."""
        with self._lock:
            state = self._state
        if not state.settled:
            with hot_tier(self.settings) as client:
                state = hot_tier_state(client, self.settings.clickhouse_cluster)
            with self._lock:
                self._state = state
        return state

    @property
    def dialect(self) -> ClickHouseDialect:
        """The dialect for the hot tier as it is now."""
        state = self.state()
        return ClickHouseDialect(state.numbered_events, state.hot_properties)

    def cubes(self) -> frozenset[str]:
        """The cubes a load has built whole (until then reports read their rollups)."""
        return self.state().ready_cubes

    def run(self, query: RenderedQuery) -> Result:
        """Run ``query`` with its bound parameters, stopped after the query timeout."""
        result = self._ask("query", query)
        return Result(list(result.column_names), [tuple(r) for r in result.result_rows])

    def frame(self, query: RenderedQuery, categorical: bool = False) -> pl.DataFrame:
        """``query``'s rows as a frame (through Arrow; dictionary text as plain text,
        or, ``categorical``, ``LowCardinality`` text as ``Categorical``)."""
        settings = _DICTIONARIES if categorical else None
        found = pl.from_arrow(self._ask("query_arrow", query, settings))
        assert isinstance(found, pl.DataFrame)
        return found if categorical else found.with_columns(pl.col(pl.Categorical).cast(pl.String))

    def _ask(self, method: str, query: RenderedQuery, settings: dict | None = None) -> Any:
        state = self.state()
        if not state.current:
            raise HotTierBehindError(state.schema_version)
        limit = self.settings.query_timeout_seconds
        with hot_tier(self.settings) as client:
            try:
                return getattr(client, method)(
                    query.sql,
                    parameters=query.parameters,
                    settings={"max_execution_time": limit, **(settings or {})},
                )
            except Exception as exc:
                if "TIMEOUT_EXCEEDED" in str(exc) or "Timeout exceeded" in str(exc):
                    raise QueryTimeoutError(
                        f"the query ran longer than {limit:g} s and was stopped"
                    ) from None
                if "UNKNOWN_TABLE" in str(exc) or "UNKNOWN_DATABASE" in str(exc):
                    with self._lock:  # the tables went away (lost, dropped): ask again
                        self._state = HotTierState()
                    raise HotTierBehindError(0) from None
                raise
