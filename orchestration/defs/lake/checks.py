"""Asset checks: the Great Expectations suites of lake/quality.py, one check per property."""

from collections.abc import Callable, Iterator

from dagster import (
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSpec,
    AssetKey,
    multi_asset_check,
)

from lake.quality import SUITES, validate
from lake.schemas import EVENT_SCHEMA, SESSION_SCHEMA
from orchestration.lib.strata_resource import StrataResource

__all__ = ["bronze_events_checks", "silver_sessions_checks"]

BRONZE, SESSIONS = AssetKey(["bronze", "events"]), AssetKey(["silver", "sessions"])


def _suite_checks(
    suite: str,
    key: AssetKey,
    location: Callable[[StrataResource], str],
    schema: dict,
    description: str,
) -> AssetChecksDefinition:
    """One Dagster check per property of a Great Expectations suite over a Delta table."""

    @multi_asset_check(
        name=f"{suite}_checks",
        specs=[AssetCheckSpec(name, asset=key) for name, _, _ in SUITES[suite]],
        description=description,
    )
    def checks(strata: StrataResource) -> Iterator[AssetCheckResult]:
        scan = strata.lake().scan_delta(location(strata), schema)  # only needed columns read
        for outcome in validate(suite, scan):
            yield AssetCheckResult(
                asset_key=key,
                check_name=outcome.name,
                passed=outcome.passed,
                metadata={"rows": outcome.rows, "failing_rows": outcome.failing_rows},
            )

    return checks


bronze_events_checks = _suite_checks(
    "bronze_events",
    BRONZE,
    lambda strata: strata.paths().bronze_events,
    EVENT_SCHEMA,
    "Great Expectations suite bronze_events: ids present, known event types, "
    "no event stamped in the future.",
)

silver_sessions_checks = _suite_checks(
    "silver_sessions",
    SESSIONS,
    lambda strata: strata.paths().silver_sessions,
    SESSION_SCHEMA,
    "Great Expectations suite silver_sessions: ids present, durations ≥ 0, pageviews ≤ events.",
)
