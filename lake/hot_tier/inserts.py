"""How a load's rows reach ClickHouse.

On the in-process engine (``chdb://``), clickhouse-connect's ``insert_arrow`` serializes
the whole table to Arrow bytes in Python, copies them to a temporary file and inserts
from it: for one day of 1.4 million events that took ~7 s and added ~3.5 GB to the
process.  There the rows are written once as a Parquet file (Polars or pyarrow, ~0.7 s)
and ClickHouse reads the file itself (``INSERT … FROM INFILE``, or ``file()`` inside a
query), streaming it in blocks.  A ClickHouse server gets ``insert_arrow`` over HTTP.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeAlias

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["ONE_PART", "SMALL_BLOCKS", "block_settings", "in_process", "insert_rows", "rows_source"]

#: An insert makes a part per block of ~1 million rows; blocks of up to 2 million keep a
#: usual day in one part (a day read as one part groups ~30% faster, and needs no
#: ``OPTIMIZE``) for ~0.5 GB of the engine's memory while the block fills.
ONE_PART = {"min_insert_block_size_rows": 2_000_000, "min_insert_block_size_bytes": 1 << 32}

#: A day too big for one part is inserted in blocks of half a million rows, one thread
#: (it is merged into one part afterwards either way): a 10-million-event day's insert
#: peaked at 5.4 GB of the process's memory with 2-million-row blocks and two threads,
#: 3.9 GB with small blocks, 3.0 GB (and ~15% slower) with one thread too.
SMALL_BLOCKS = {
    "min_insert_block_size_rows": 500_000,
    "min_insert_block_size_bytes": 1 << 29,
    "max_threads": 1,
    "max_insert_threads": 1,
}


def block_settings(rows: int) -> dict[str, int]:
    """The insert settings for ``rows`` rows: :data:`ONE_PART` when they fit one part,
    else :data:`SMALL_BLOCKS` (several parts come out anyway; smaller ones hold less)."""
    return ONE_PART if rows <= ONE_PART["min_insert_block_size_rows"] else SMALL_BLOCKS


def in_process(client: Any) -> bool:
    """True for a client of the in-process engine (chdb), which reads local files."""
    return type(client).__name__ == "ChdbClient"


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


Rows: TypeAlias = pl.DataFrame | pl.LazyFrame | pa.Table


@contextmanager
def _parquet_file(rows: Rows) -> Iterator[str]:
    """``rows`` as a temporary Parquet file (LZ4: written fast, read fast), removed after;
    a lazy frame is streamed to it, never held whole in memory."""
    handle, path = tempfile.mkstemp(prefix="strata-load-", suffix=".parquet")
    os.close(handle)
    try:
        if isinstance(rows, pl.LazyFrame):
            rows.sink_parquet(path, compression="lz4", statistics=False)
        elif isinstance(rows, pl.DataFrame):
            rows.write_parquet(path, compression="lz4", statistics=False)
        else:
            pq.write_table(rows, path, compression="lz4", write_statistics=False)
        yield path
    finally:
        os.unlink(path)


def _arrow(rows: Rows) -> pa.Table:
    if isinstance(rows, pl.LazyFrame):
        rows = rows.collect()
    return rows.to_arrow() if isinstance(rows, pl.DataFrame) else rows


def _columns(rows: Rows) -> list[str]:
    if isinstance(rows, pl.LazyFrame):
        return rows.collect_schema().names()
    return rows.columns if isinstance(rows, pl.DataFrame) else rows.column_names


def insert_rows(
    client: Any,
    table: str,
    rows: Rows,
    settings: dict[str, Any] | None = None,
    blocks: dict[str, int] = ONE_PART,
) -> None:
    """Append ``rows`` (columns named as ``table``'s) to ``table``: from a Parquet file
    the in-process engine reads (in ``blocks``, see :func:`block_settings`), else
    ``insert_arrow``."""
    if not in_process(client):
        client.insert_arrow(table, _arrow(rows), settings=settings)
        return
    columns = ", ".join(_columns(rows))
    with _parquet_file(rows) as path:
        client.command(
            f"INSERT INTO {table} ({columns}) FROM INFILE {_quote(path)} FORMAT Parquet",
            settings={**blocks, **(settings or {})},
        )


@contextmanager
def rows_source(client: Any, rows: Rows, structure: str, table: str) -> Iterator[str]:
    """What a query reads ``rows`` from, typed by ``structure`` (``"name Type, …"``):
    on the in-process engine ``file()`` of a Parquet file (no copy into a table), else
    ``table`` (an input table of that structure, filled here and emptied after)."""
    if in_process(client):
        with _parquet_file(rows) as path:
            yield f"file({_quote(path)}, Parquet, {_quote(structure)})"
        return
    client.command(f"TRUNCATE TABLE {table}")
    try:
        client.insert_arrow(table, _arrow(rows))
        yield table
    finally:
        client.command(f"TRUNCATE TABLE {table}")
