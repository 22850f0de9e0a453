"""Parquet and Delta I/O over the lake, the same code for a local directory and S3."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence

import polars as pl
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from deltalake import DeltaTable, WriterProperties, write_deltalake
from deltalake.exceptions import TableNotFoundError

from lake.settings import Settings

__all__ = [
    "Lake",
]


#: Row groups of 128k rows: the writer buffers one per open partition file, not the batch.
_WRITER = WriterProperties(max_row_group_size=128 * 1024, compression="ZSTD", compression_level=1)


def _arrow(df: pl.DataFrame) -> pa.Table:
    """``df`` as Arrow without copying its strings (string views, which Delta accepts)."""
    return df.to_arrow(compat_level=pl.CompatLevel.newest())


_LOG_ENTRY = re.compile(r"/_delta_log/(\d{20})\.")


def _log_version(uri: str) -> float:
    """The version a Delta log file belongs to (commit, checkpoint, checksum); infinity
    for any other file there (``_last_checkpoint``)."""
    found = _LOG_ENTRY.search(uri)
    return int(found.group(1)) if found else float("inf")


class Lake:
    """Reads and writes the lake for one :class:`Settings` (local directory or ``s3://``)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.is_s3 = settings.lake_uri.startswith("s3://")
        if self.is_s3:
            endpoint = settings.s3_endpoint_url
            kwargs: dict[str, object] = {"region": settings.s3_region}
            if endpoint:
                scheme, _, host = endpoint.partition("://")
                kwargs.update(endpoint_override=host, scheme=scheme)
            self.fs: pafs.FileSystem = pafs.S3FileSystem(**kwargs)
        else:
            self.fs = pafs.LocalFileSystem()

    # -- plain files ---------------------------------------------------------------------------

    def _fs_path(self, uri: str) -> str:
        return uri.removeprefix("s3://") if self.is_s3 else uri

    def write_parquet(self, table: pa.Table, uri: str) -> None:
        """Write one Parquet file; writing the same URI again replaces it (idempotent names)."""
        path = self._fs_path(uri)
        if not self.is_s3:
            self.fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
            tmp = f"{path}.tmp"
            pq.write_table(table, tmp, compression="zstd")
            self.fs.move(tmp, path)
            return
        buf = io.BytesIO()
        pq.write_table(table, buf, compression="zstd")
        with self.fs.open_output_stream(path) as out:
            out.write(buf.getvalue())

    def write_text(self, uri: str, text: str) -> None:
        """Write a small text file; a local one is replaced atomically."""
        path = self._fs_path(uri)
        if self.is_s3:
            with self.fs.open_output_stream(path) as out:
                out.write(text.encode())
            return
        self.fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
        with self.fs.open_output_stream(f"{path}.tmp") as out:
            out.write(text.encode())
        self.fs.move(f"{path}.tmp", path)

    def read_text(self, uri: str) -> str | None:
        """A small text file's content, None when it does not exist."""
        try:
            with self.fs.open_input_stream(self._fs_path(uri)) as source:
                return source.read().decode()
        except FileNotFoundError:
            return None

    def list_files(self, uri: str, suffix: str = ".parquet") -> list[str]:
        """All files under ``uri`` ending in ``suffix``, as URIs, sorted; [] when absent."""
        selector = pafs.FileSelector(self._fs_path(uri), recursive=True, allow_not_found=True)
        infos = self.fs.get_file_info(selector)
        prefix = "s3://" if self.is_s3 else ""
        return sorted(
            prefix + info.path
            for info in infos
            if info.type == pafs.FileType.File and info.path.endswith(suffix)
        )

    def read_frame(self, uri: str) -> pl.DataFrame:
        """One Parquet file as it is (every column it has)."""
        with self.fs.open_input_file(self._fs_path(uri)) as f:
            found = pl.from_arrow(pq.read_table(f))
        assert isinstance(found, pl.DataFrame)
        return found

    def drop_rows(self, uri: str, frame: pl.DataFrame, drop: pl.Expr) -> tuple[int, int]:
        """Rewrite the Parquet file ``uri`` (whose rows are ``frame``) without the rows
        ``drop`` selects (null: kept); a file left empty is deleted.  Returns (rows
        dropped, files deleted)."""
        gone = drop.fill_null(False)
        dropped = frame.filter(gone).height
        if not dropped:
            return 0, 0
        kept = frame.filter(~gone)
        if kept.height:
            self.write_parquet(kept.to_arrow(), uri)
            return dropped, 0
        return dropped, self.delete_files([uri])

    def read_parquet(self, uris: Sequence[str], schema: dict[str, pl.DataType]) -> pl.DataFrame:
        """Read Parquet files into one frame with exactly ``schema``'s columns.

        Files written before a column existed get it as nulls; columns ``schema`` does
        not name are skipped (never read).
        """
        if not uris:
            return pl.DataFrame(schema=schema)
        return pl.scan_parquet(
            list(uris),
            schema=schema,
            hive_partitioning=False,
            missing_columns="insert",
            extra_columns="ignore",
            cast_options=pl.ScanCastOptions(integer_cast="upcast", float_cast="upcast"),
            storage_options=self.storage_options,
        ).collect()

    # -- Delta ---------------------------------------------------------------------------------

    @property
    def storage_options(self) -> dict[str, str] | None:
        """deltalake/object_store options for S3 (endpoint, region, plain HTTP for tests)."""
        if not self.is_s3:
            return None
        opts = {"AWS_REGION": self.settings.s3_region, "AWS_S3_ALLOW_UNSAFE_RENAME": "true"}
        if self.settings.s3_endpoint_url:
            opts["AWS_ENDPOINT_URL"] = self.settings.s3_endpoint_url
            if self.settings.s3_endpoint_url.startswith("http://"):
                opts["AWS_ALLOW_HTTP"] = "true"
        return opts

    def delta_table(self, uri: str) -> DeltaTable | None:
        """The Delta table at ``uri``, or None when it was never written."""
        try:
            return DeltaTable(uri, storage_options=self.storage_options)
        except TableNotFoundError:
            return None

    def scan_delta(self, uri: str, schema: dict[str, pl.DataType]) -> pl.LazyFrame:
        """Lazy scan of a Delta table; an empty frame of ``schema`` when it does not exist yet.

        Columns of ``schema`` the table does not have yet (added to the contract after it
        was written) read as nulls.
        """
        if self.delta_table(uri) is None:
            return pl.LazyFrame(schema=schema)
        scan = pl.scan_delta(uri, storage_options=self.storage_options)
        have = set(scan.collect_schema().names())
        missing = [pl.lit(None, dtype).alias(c) for c, dtype in schema.items() if c not in have]
        return scan.with_columns(missing) if missing else scan

    def files_since(self, uri: str, version: int | None) -> tuple[list[str], int | None]:
        """The data files Delta table ``uri`` references now that it did not at
        ``version`` (every file for None, or when that version's log is gone), and its
        version now (None: no table).  For an append-only table, its rows since then."""
        table = self.delta_table(uri)
        if table is None:
            return [], None
        files = set(table.file_uris())
        if version is not None and version <= table.version():
            try:
                before = DeltaTable(uri, version=version, storage_options=self.storage_options)
                files -= set(before.file_uris())
            except Exception:
                pass
        return sorted(files), table.version()

    def replace_partition(
        self, df: pl.DataFrame, uri: str, partition_col: str, value: dt.date
    ) -> None:
        """Replace the rows of one partition with ``df`` in one atomic commit (none: deleted)."""
        self.replace_partitions(df, uri, partition_col, [value])

    def replace_partitions(
        self, df: pl.DataFrame, uri: str, partition_col: str, values: Sequence[dt.date]
    ) -> None:
        """Replace the rows of the partitions ``values`` with ``df`` (rows of those
        partitions only) in one atomic commit: a partition ``df`` has no rows of is
        emptied.  One commit for several days costs what one day's does."""
        days = ", ".join(f"'{v.isoformat()}'" for v in values)  # dates: no text of a request
        write_deltalake(
            uri,
            _arrow(df),
            partition_by=[partition_col],
            mode="overwrite",
            schema_mode="merge",  # new measures join the table as they appear
            predicate=f"{partition_col} IN ({days})",
            storage_options=self.storage_options,
        )

    def file_count(self, uri: str) -> int:
        """Data files a Delta table references now (what compaction brings down)."""
        table = self.delta_table(uri)
        return 0 if table is None else len(table.file_uris())

    def partition_rows(self, uri: str, partition_col: str) -> dict[str, int]:
        """Rows per partition value of a Delta table, from its log (no data read)."""
        table = self.delta_table(uri)
        if table is None:
            return {}
        actions = pl.DataFrame(table.get_add_actions(flatten=True))
        counts = actions.group_by(pl.col(f"partition.{partition_col}").cast(pl.String)).agg(
            pl.col("num_records").sum()
        )
        return dict(counts.iter_rows())

    def compact(self, uri: str) -> dict[str, int]:
        """Merge small files of a Delta table (``OPTIMIZE``); returns files added/removed."""
        table = self.delta_table(uri)
        if table is None:
            return {"files_added": 0, "files_removed": 0}
        stats = table.optimize.compact()
        return {"files_added": stats["numFilesAdded"], "files_removed": stats["numFilesRemoved"]}

    def vacuum(self, uri: str, retention_hours: float) -> int:
        """Delete files the table stopped referencing over ``retention_hours`` ago."""
        table = self.delta_table(uri)
        if table is None:
            return 0
        deleted = table.vacuum(
            retention_hours=int(retention_hours),
            enforce_retention_duration=False,
            dry_run=False,
        )
        return len(deleted)

    def forget_history(self, uri: str) -> int:
        """Delete every file of a Delta table's older versions: data files it no longer
        references (vacuum, zero retention) and the log entries before a new checkpoint
        (their statistics hold column values of deleted rows).  Returns data files
        deleted.  A reader of an older version fails once; the next read is current."""
        deleted = self.vacuum(uri, 0)
        table = self.delta_table(uri)
        if table is None:
            return deleted
        table.create_checkpoint()
        current = table.version()
        entries = self.list_files(f"{uri}/_delta_log", "")
        self.delete_files(e for e in entries if _log_version(e) < current)
        return deleted

    def delete_files(self, uris: Iterable[str]) -> int:
        """Delete files that exist; returns how many were deleted."""
        count = 0
        for uri in uris:
            with contextlib.suppress(FileNotFoundError):
                self.fs.delete_file(self._fs_path(uri))
                count += 1
        return count

    def append_partitioned(self, df: pl.DataFrame, uri: str, partition_col: str) -> None:
        """Append rows to a partitioned Delta table (created when absent); new columns merge."""
        write_deltalake(
            uri,
            _arrow(df),
            partition_by=[partition_col],
            mode="append",
            schema_mode="merge",
            storage_options=self.storage_options,
            writer_properties=_WRITER,
        )

    def parquet_rows(self, uri: str) -> int:
        """Row count of a Parquet file, from its footer."""
        with self.fs.open_input_file(self._fs_path(uri)) as f:
            return pq.read_metadata(f).num_rows

    def delete_rows_before(self, uri: str, column: str, cutoff: dt.datetime) -> int:
        """Delete the rows whose ``column`` (a UTC timestamp) is at or before ``cutoff``.

        One Delta transaction on the snapshot it reads: rows appended meanwhile are
        never touched (a read-then-overwrite would drop them).  Returns rows deleted.
        """
        table = self.delta_table(uri)
        if table is None:
            return 0
        stamp = cutoff.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        metrics = table.delete(f"{column} <= '{stamp}'")
        return int(metrics.get("num_deleted_rows", 0))

    def append_delta(self, df: pl.DataFrame, uri: str) -> None:
        """Append rows to a (possibly new) Delta table."""
        write_deltalake(uri, _arrow(df), mode="append", storage_options=self.storage_options)
