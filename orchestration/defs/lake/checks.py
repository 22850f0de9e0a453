"""Asset checks: the Great Expectations suites of lake/quality.py, one check per property."""

from collections.abc import Iterator

import polars as pl
from dagster import AssetCheckResult, AssetCheckSpec, AssetKey, multi_asset_check

from lake.quality import SUITES, validate
from lake.schemas import EVENT_SCHEMA, SESSION_SCHEMA
from orchestration.lib.strata_resource import StrataResource

__all__ = ["bronze_events_checks", "silver_sessions_checks"]

BRONZE, SESSIONS = AssetKey(["bronze", "events"]), AssetKey(["silver", "sessions"])


def _results(key: AssetKey, suite: str, df: pl.DataFrame) -> Iterator[AssetCheckResult]:
    for outcome in validate(suite, df):
        yield AssetCheckResult(
            asset_key=key,
            check_name=outcome.name,
            passed=outcome.passed,
            metadata={"rows": outcome.rows, "failing_rows": outcome.failing_rows},
        )


@multi_asset_check(
    specs=[AssetCheckSpec(name, asset=BRONZE) for name, _, _ in SUITES["bronze_events"]],
    description="Great Expectations suite bronze_events: ids present, known event types, "
    "no event stamped in the future.",
)
def bronze_events_checks(strata: StrataResource) -> Iterator[AssetCheckResult]:
    """Validate bronze/events."""
    df = strata.lake().scan_delta(strata.paths().bronze_events, EVENT_SCHEMA).collect()
    yield from _results(BRONZE, "bronze_events", df)


@multi_asset_check(
    specs=[AssetCheckSpec(name, asset=SESSIONS) for name, _, _ in SUITES["silver_sessions"]],
    description="Great Expectations suite silver_sessions: ids present, durations ≥ 0, "
    "pageviews ≤ events.",
)
def silver_sessions_checks(strata: StrataResource) -> Iterator[AssetCheckResult]:
    """Validate silver/sessions."""
    df = strata.lake().scan_delta(strata.paths().silver_sessions, SESSION_SCHEMA).collect()
    yield from _results(SESSIONS, "silver_sessions", df)
