"""ClickHouse hot tier: gold rollups loaded day by day, idempotently."""

from dagster import AssetExecutionContext, MaterializeResult, asset

from lake.clickhouse import ROLLUP_TABLES, ensure_schema, hot_tier, replace_partitions
from lake.schemas import ROLLUP_DIMENSIONS
from lake.transforms.rollups import ROLLUP_METRIC_COLUMNS
from orchestration.defs.lake.assets import gold_rollup_daily, gold_rollup_hourly
from orchestration.lib.strata_resource import StrataResource

__all__ = ["clickhouse_hot_tier"]

_TABLES = {"rollup_hourly": ("hour", "utc_date"), "rollup_daily": ("date", "date")}


def _partitions_in_hot_tier(client: object, name: str) -> set[str]:
    part_expr = ROLLUP_TABLES[name][1]
    rows = client.query(f"SELECT DISTINCT toString({part_expr}) FROM {name}").result_rows
    return {r[0] for r in rows}


@asset(
    key=["clickhouse", "hot_tier"],
    deps=[gold_rollup_hourly, gold_rollup_daily],
    group_name="serving",
    kinds={"clickhouse"},
    pool="clickhouse",
    description="rollup_hourly and rollup_daily in ClickHouse (AggregatingMergeTree, "
    "uniqCombined64(20) states for distinct users); each day partition is replaced atomically.",
)
def clickhouse_hot_tier(
    context: AssetExecutionContext, strata: StrataResource
) -> MaterializeResult:
    """Load every gold day into ClickHouse, one day per lock hold so readers interleave.

    Re-running replaces each day's partition, and days that disappeared from gold are
    dropped, so the hot tier always equals the lake.
    """
    settings, lake, paths = strata.settings(), strata.lake(), strata.paths()
    with hot_tier(settings) as client:
        ensure_schema(client)
        existing = {name: _partitions_in_hot_tier(client, name) for name in _TABLES}
    loaded: dict[str, int] = {}
    for name, (time_col, part_col) in _TABLES.items():
        gold = lake.scan_delta(paths.gold(name), {}).collect()
        columns = ["tracking_id", time_col, *ROLLUP_DIMENSIONS, *ROLLUP_METRIC_COLUMNS]
        by_day = (
            {
                str(k[0]): df.select(columns)
                for k, df in gold.partition_by(part_col, as_dict=True).items()
            }
            if gold.height
            else {}
        )
        for day in sorted(by_day.keys() | existing[name]):
            rows = by_day.get(day)
            with hot_tier(settings) as client:
                replace_partitions(
                    client, name, rows.to_arrow() if rows is not None else None, [day]
                )
        loaded[name] = gold.height
        context.log.info(f"{name}: {gold.height} rows over {len(by_day)} days")
    return MaterializeResult(metadata={f"{k}_rows": v for k, v in loaded.items()})
