"""Lake I/O on a local lake: Delta appends, partition replaces, deletes, counts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from lake.settings import Settings
from lake.storage import Lake

SCHEMA = {"day": pl.Date(), "n": pl.Int64(), "at": pl.Datetime("us", "UTC")}


def _frame(day: dt.date, values: list[int]) -> pl.DataFrame:
    at = dt.datetime.combine(day, dt.time(12), dt.UTC)
    return pl.DataFrame(
        {"day": [day] * len(values), "n": values, "at": [at] * len(values)}, schema=SCHEMA
    )


def test_a_missing_table_scans_as_empty_with_its_schema(tmp_path: Path) -> None:
    lake = Lake(Settings.from_env({"STRATA_HOME": str(tmp_path)}))
    assert lake.delta_table(f"{tmp_path}/nope") is None
    assert lake.scan_delta(f"{tmp_path}/nope", SCHEMA).collect().schema == pl.Schema(SCHEMA)
    assert lake.file_count(f"{tmp_path}/nope") == 0


def test_append_replace_and_delete_touch_only_what_they_name(tmp_path: Path) -> None:
    lake = Lake(Settings.from_env({"STRATA_HOME": str(tmp_path)}))
    uri = f"{tmp_path}/t"
    d1, d2 = dt.date(2026, 3, 1), dt.date(2026, 3, 2)
    lake.append_partitioned(_frame(d1, [1, 2]), uri, "day")
    lake.append_partitioned(_frame(d2, [3]), uri, "day")
    assert lake.partition_rows(uri, "day") == {"2026-03-01": 2, "2026-03-02": 1}
    lake.replace_partition(_frame(d1, [9]), uri, "day", d1)
    rows = lake.scan_delta(uri, SCHEMA).select("day", "n").collect().sort("n").rows()
    assert rows == [(d2, 3), (d1, 9)]
    cutoff = dt.datetime.combine(d1, dt.time(23), dt.UTC)
    assert lake.delete_rows_before(uri, "at", cutoff) == 1
    assert lake.scan_delta(uri, SCHEMA).select("n").collect()["n"].to_list() == [3]


def test_several_partitions_are_replaced_in_one_commit(tmp_path: Path) -> None:
    lake = Lake(Settings.from_env({"STRATA_HOME": str(tmp_path)}))
    uri = f"{tmp_path}/t"
    d1, d2, d3, d4 = (dt.date(2026, 3, d) for d in (1, 2, 3, 4))
    for day, n in ((d1, 1), (d2, 2), (d3, 3), (d4, 4)):
        lake.append_partitioned(_frame(day, [n]), uri, "day")
    version = lake.delta_table(uri).version()
    # d1 and d3 get new rows, d2 none (emptied), d4 is not named (kept)
    lake.replace_partitions(
        pl.concat([_frame(d1, [10]), _frame(d3, [30, 31])]), uri, "day", [d1, d2, d3]
    )
    rows = lake.scan_delta(uri, SCHEMA).select("day", "n").collect().sort("n").rows()
    assert rows == [(d4, 4), (d1, 10), (d3, 30), (d3, 31)]
    assert lake.delta_table(uri).version() == version + 1


def test_parquet_files_round_trip_with_their_schema(tmp_path: Path) -> None:
    lake = Lake(Settings.from_env({"STRATA_HOME": str(tmp_path)}))
    uri = f"{tmp_path}/files/a.parquet"
    lake.write_parquet(_frame(dt.date(2026, 3, 1), [1, 2, 3]).to_arrow(), uri)
    assert lake.list_files(f"{tmp_path}/files") == [uri]
    assert lake.parquet_rows(uri) == 3
    assert lake.read_parquet([uri], SCHEMA)["n"].to_list() == [1, 2, 3]
    assert lake.delete_files([uri, f"{tmp_path}/files/missing.parquet"]) == 1
