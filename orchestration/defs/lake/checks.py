"""Great Expectations suites (lake/quality.py) as Dagster checks, run inside their asset.

An asset validates what it wrote in this run (bronze: the new events; sessions: the
partitions rebuilt), so a check never rereads a whole table.
"""

from collections.abc import Iterable, Iterator

from dagster import AssetCheckResult, AssetCheckSpec, AssetKey

from orchestration.lib.quality import SUITES, CheckOutcome

__all__ = ["CHECKED_AFTER", "merge_outcomes", "suite_results", "suite_specs"]

#: What the suites' check steps wait for when it is in the same run: the raw tables'
#: load (the suites read what they check back from the lake, and their library takes
#: seconds to import: it loads on a thread meanwhile).
CHECKED_AFTER = AssetKey(["clickhouse", "sessions"])


def suite_specs(suite: str, key: AssetKey) -> list[AssetCheckSpec]:
    """One Dagster check per property of ``suite``, on asset ``key``, run after
    :data:`CHECKED_AFTER` when that is in the run."""
    return [
        AssetCheckSpec(name, asset=key, additional_deps=[CHECKED_AFTER])
        for name, _, _ in SUITES[suite]
    ]


def merge_outcomes(total: dict[str, CheckOutcome], more: Iterable[CheckOutcome]) -> None:
    """Add ``more`` (one validated chunk) into ``total``: counts add, any failure fails."""
    for o in more:
        seen = total.get(o.name)
        total[o.name] = (
            o
            if seen is None
            else CheckOutcome(
                o.name,
                seen.passed and o.passed,
                seen.rows + o.rows,
                seen.failing_rows + o.failing_rows,
            )
        )


def suite_results(
    suite: str, key: AssetKey, outcomes: dict[str, CheckOutcome]
) -> Iterator[AssetCheckResult]:
    """A result for every check of ``suite`` (passing with 0 rows when nothing was new)."""
    for name, _, _ in SUITES[suite]:
        o = outcomes.get(name, CheckOutcome(name, True, 0, 0))
        yield AssetCheckResult(
            asset_key=key,
            check_name=name,
            passed=o.passed,
            metadata={"rows": o.rows, "failing_rows": o.failing_rows},
        )
