"""Data-quality suites (Great Expectations), one expectation per property.

Orchestration runs them as Dagster asset checks; this module only knows tables
and rules.  Each suite is a list of ``(check name, expectation, derived columns)``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import polars as pl

from lake.storage import EVENT_TYPES

__all__ = [
    "MAX_CLOCK_AHEAD_S",
    "SUITES",
    "CheckOutcome",
    "suite_columns",
    "validate",
    "warm_up",
]

#: How far a client clock may run ahead of the server's before an event is refused.
MAX_CLOCK_AHEAD_S = 300

#: suite -> [(check name, Great Expectations expectation class name, its arguments)];
#: derived columns (``ahead_s``, ``late_beyond_allowance_h``) are added by :func:`_prepare`.
#: Bronze rows carry their site's ``allowed_lateness_h`` (see
#: :func:`lake.transforms.bronze.allowed_lateness`).
SUITES: dict[str, list[tuple[str, Any, dict[str, Any]]]] = {
    "bronze_events": [
        ("event_id_not_null", "ExpectColumnValuesToNotBeNull", {"column": "event_id"}),
        ("tracking_id_not_null", "ExpectColumnValuesToNotBeNull", {"column": "tracking_id"}),
        ("client_id_not_null", "ExpectColumnValuesToNotBeNull", {"column": "client_id"}),
        (
            "event_type_known",
            "ExpectColumnValuesToBeInSet",
            {"column": "event_type", "value_set": list(EVENT_TYPES)},
        ),
        (
            "event_at_not_in_the_future",
            "ExpectColumnValuesToBeBetween",
            {"column": "ahead_s", "max_value": MAX_CLOCK_AHEAD_S},
        ),
        (
            "event_at_within_allowed_lateness",
            "ExpectColumnValuesToBeBetween",
            {"column": "late_beyond_allowance_h", "max_value": 0},
        ),
    ],
    "silver_sessions": [
        ("session_id_not_null", "ExpectColumnValuesToNotBeNull", {"column": "session_id"}),
        (
            "duration_not_negative",
            "ExpectColumnValuesToBeBetween",
            {"column": "duration_s", "min_value": 0},
        ),
        (
            "pageviews_not_above_events",
            "ExpectColumnPairValuesAToBeGreaterThanB",
            {"column_A": "count_events", "column_B": "count_pageviews", "or_equal": True},
        ),
    ],
}

_COLUMNS = {
    "bronze_events": [
        "event_id",
        "tracking_id",
        "client_id",
        "event_type",
        "event_at",
        "received_at",
        "allowed_lateness_h",
    ],
    "silver_sessions": ["session_id", "duration_s", "count_events", "count_pageviews"],
}


def suite_columns(suite: str) -> list[str]:
    """The columns ``suite`` reads from its table (the frame :func:`validate` takes;
    bronze's ``allowed_lateness_h`` is the site's allowance, added by the caller)."""
    return list(_COLUMNS[suite])


@dataclass(frozen=True)
class CheckOutcome:
    """One expectation's verdict with its counts."""

    name: str
    passed: bool
    rows: int
    failing_rows: int


#: Id columns only checked for presence: validated as their 64-bit hashes (null stays
#: null), which pandas converts and hashes an order of magnitude faster than strings.
_PRESENCE_ONLY = {"event_id", "client_id", "session_id"}
#: Low-cardinality strings, handed over as categoricals for the same reason.
_CATEGORICAL = {"tracking_id", "event_type"}


def _prepare(suite: str, frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """Only the columns the suite reads (a lazy scan reads no others), plus derived ones."""
    lazy = frame.lazy().select(_COLUMNS[suite])
    ids = [c for c in _COLUMNS[suite] if c in _PRESENCE_ONLY]
    lazy = lazy.with_columns(
        *(pl.when(pl.col(c).is_not_null()).then(pl.col(c).hash()) for c in ids),
        *(pl.col(c).cast(pl.Categorical) for c in _COLUMNS[suite] if c in _CATEGORICAL),
    )
    if suite == "bronze_events":
        age_s = (pl.col("received_at") - pl.col("event_at")).dt.total_seconds()
        lazy = lazy.with_columns(
            ahead_s=-age_s,
            late_beyond_allowance_h=age_s / 3600 - pl.col("allowed_lateness_h"),
        ).drop("allowed_lateness_h")
    return lazy.collect()


_warming: list[threading.Thread] = []


def _import_library() -> None:
    import great_expectations  # noqa: F401


def warm_up() -> None:
    """Start importing Great Expectations on a thread of its own (~3 s of Python), for a
    process that will validate later and has other work first: the import then
    overlaps that work instead of adding to it.  Once per process; :func:`validate`
    waits for it (the process, too, before it exits: not a daemon thread)."""
    if not _warming:
        _warming.append(threading.Thread(target=_import_library, name="strata-quality-import"))
        _warming[0].start()


def validate(suite: str, frame: pl.DataFrame | pl.LazyFrame) -> list[CheckOutcome]:
    """Run one suite over ``frame``; every expectation gives one :class:`CheckOutcome`
    (passing, over 0 rows, when the frame is empty)."""
    df = _prepare(suite, frame)
    if df.height == 0:
        return [CheckOutcome(name, True, 0, 0) for name, _, _ in SUITES[suite]]
    for thread in _warming:  # one import at a time: never two threads inside one module
        thread.join()
    # imported here: Great Expectations takes seconds to import, and every Dagster
    # process loads the definitions (check names) while few run a suite
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas("strata")
        .add_dataframe_asset(suite)
        .add_batch_definition_whole_dataframe("all")
    )
    expectations = [
        getattr(gx.expectations, kind)(**kwargs, meta={"check": name})
        for name, kind, kwargs in SUITES[suite]
    ]
    gx_suite = context.suites.add(gx.ExpectationSuite(name=suite, expectations=expectations))
    run = context.validation_definitions.add(
        gx.ValidationDefinition(name=suite, data=batch, suite=gx_suite)
    ).run(batch_parameters={"dataframe": df.to_pandas()}, result_format="SUMMARY")
    by_name = {
        (r.expectation_config.meta or {}).get("check"): r
        for r in run.results
        if r.expectation_config is not None
    }
    return [
        CheckOutcome(
            name,
            bool(by_name[name].success),
            int(by_name[name].result.get("element_count", df.height)),
            int(by_name[name].result.get("unexpected_count", 0) or 0),
        )
        for name, _, _ in SUITES[suite]
    ]
