"""Erasure in the lake: one person's events and sessions leave every store that holds
them, and the files that held them are deleted.

A person is a site and the client ids they used (a ``user_id`` erasure first finds
every client id that ever carried it: :func:`clients_of_user`).  Stores, in order:

- the gateway's write-ahead log (segments not landed yet, :func:`erase_from_wal`);
- landing files (rewritten without the person's rows; a file left empty is deleted);
- bronze events (Delta delete) and their id index (the hashes of the deleted keys);
- silver sessions (Delta delete);
- quarantine files (rewritten);
- the gold rollups and cubes: the person's client id leaves every ``users`` list
  (partitions rewritten); the days they touched are noted as changed, so the next
  refresh recomputes those days' counts and the hot tier's tables (the marts follow) from the
  erased bronze.

Old file versions are purged afterwards (:func:`purge_history`: vacuum with zero
retention), once the refresh rewrote the days.  Every step is a transaction on the
snapshot it reads with a predicate naming only the person, so rows other writers add
meanwhile are never lost; what a writer racing the erasure copies back (a refresh that
read bronze before the delete) is found by :func:`find_in_lake`, and the erasure
repeats.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from lake.schemas import EVENT_SCHEMA, SESSION_SCHEMA
from lake.storage.changes import ChangedDays
from lake.storage.io import Lake
from lake.storage.known_ids import event_key_hash, index_fingerprint
from lake.storage.paths import LakePaths
from lake.storage.wal_segments import WAL_COLUMNS, read_segment, rewrite_segment, segments

__all__ = [
    "LakeErasure",
    "Person",
    "clients_of_user",
    "erase_from_lake",
    "erase_from_wal",
    "find_in_lake",
    "purge_history",
]

_SITE, _CLIENT, _USER = (WAL_COLUMNS.index(c) for c in ("tracking_id", "client_id", "user_id"))
_PERSON_COLUMNS = {"tracking_id": pl.String(), "client_id": pl.String(), "user_id": pl.String()}


@dataclass(frozen=True)
class Person:
    """Whom an erasure removes: the client ids one person used on one site."""

    site: str
    client_ids: frozenset[str]

    def rows(self) -> pl.Expr:
        """The person's rows of a frame with ``tracking_id`` and ``client_id``."""
        return (pl.col("tracking_id") == self.site) & pl.col("client_id").is_in(
            sorted(self.client_ids)
        )

    def predicate(self) -> str:
        """The same rows as a Delta predicate (values quoted, never interpolated raw)."""
        ids = ", ".join(_quote(c) for c in sorted(self.client_ids))
        return f"tracking_id = {_quote(self.site)} AND client_id IN ({ids})"

    def in_wal_row(self, row: list) -> bool:
        """True for a WAL row of the person."""
        return row[_SITE] == self.site and row[_CLIENT] in self.client_ids


@dataclass
class LakeErasure:
    """What an erasure removed from the lake (rows or files per store) and the days
    whose downstream tables must be rebuilt."""

    report: dict[str, int] = field(default_factory=dict)
    days: set[dt.date] = field(default_factory=set)
    touched: set[str] = field(default_factory=set)  # Delta tables to vacuum


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _landing_scan(lake: Lake, paths: LakePaths) -> pl.LazyFrame:
    files = lake.list_files(paths.landing_events)
    if not files:
        return pl.LazyFrame(schema={**_PERSON_COLUMNS, "_file": pl.String()})
    return pl.scan_parquet(
        files,
        schema=_PERSON_COLUMNS,
        hive_partitioning=False,
        missing_columns="insert",
        extra_columns="ignore",
        include_file_paths="_file",
        storage_options=lake.storage_options,
    )


def _quarantined(lake: Lake, paths: LakePaths) -> Iterable[tuple[str, pl.DataFrame]]:
    for path in lake.list_files(paths.quarantine("bronze_events")):
        frame = lake.read_frame(path)
        if {"tracking_id", "client_id"} <= set(frame.columns):
            yield path, frame


def clients_of_user(
    lake: Lake, paths: LakePaths, wal_dir: Path | None, site: str, user_id: str
) -> set[str]:
    """Every client id that carried ``user_id`` on ``site``, in any store that keeps
    user ids (the WAL, landing, bronze, silver, quarantine)."""
    found: set[str] = set()
    mine = (pl.col("tracking_id") == site) & (pl.col("user_id") == user_id)
    for scan in (
        lake.scan_delta(paths.bronze_events, EVENT_SCHEMA),
        lake.scan_delta(paths.silver_sessions, SESSION_SCHEMA),
        _landing_scan(lake, paths),
    ):
        found |= set(scan.filter(mine).select("client_id").unique().collect()["client_id"])
    for _, frame in _quarantined(lake, paths):
        if "user_id" in frame.columns:
            found |= set(frame.filter(mine)["client_id"])
    for segment in segments(wal_dir) if wal_dir else ():
        try:
            rows = list(read_segment(segment))
        except FileNotFoundError:
            continue
        found |= {r[_CLIENT] for r in rows if r[_SITE] == site and r[_USER] == user_id}
    return {c for c in found if c is not None}


def erase_from_wal(
    wal_dir: Path | None,
    person: Person,
    wait_s: float = 10.0,
    idle_s: float = 30.0,
    log: Callable[[str], None] = print,
) -> int:
    """Remove the person's rows from the WAL segments not landed yet; rows removed.

    A running gateway lands its segments within seconds, so the segments there now are
    first given ``wait_s`` to land (their rows are then erased from landing).  What is
    left is rewritten in place: sealed segments, and open ones no gateway has written
    to for ``idle_s`` (a gateway that stopped or crashed; an open segment a live
    gateway appends to is sealed and landed by it within its flush interval).
    """
    if wal_dir is None:
        return 0
    deadline = time.monotonic() + wait_s
    while segments(wal_dir) and time.monotonic() < deadline:
        time.sleep(0.2)
    removed = 0
    for segment in segments(wal_dir):
        if segment.suffix == ".open":
            try:
                if time.time() - segment.stat().st_mtime < idle_s:
                    continue
            except FileNotFoundError:
                continue
        removed += rewrite_segment(segment, person.in_wal_row)
    log(f"wal: {removed} rows removed from segments not landed yet")
    return removed


def _erase_landing(lake: Lake, paths: LakePaths, person: Person) -> tuple[int, int]:
    """Landing files holding the person are rewritten without them (an emptied file is
    deleted); returns (rows, files deleted)."""
    hits = _landing_scan(lake, paths).filter(person.rows()).select("_file").unique().collect()
    rows = files = 0
    for path in hits["_file"]:
        dropped, deleted = lake.drop_rows(path, lake.read_frame(path), person.rows())
        rows, files = rows + dropped, files + deleted
    return rows, files


def _erase_quarantine(lake: Lake, paths: LakePaths, person: Person) -> int:
    return sum(
        lake.drop_rows(path, frame, person.rows())[0] for path, frame in _quarantined(lake, paths)
    )


def _listed(person: Person) -> pl.Expr:
    """Rows of the person's site whose ``users`` list holds one of their client ids."""
    ids = sorted(person.client_ids)
    return (pl.col("tracking_id") == person.site) & pl.col("users").list.eval(
        pl.element().is_in(ids)
    ).list.any()


def _erase_gold(lake: Lake, uri: str, column: str, person: Person) -> tuple[int, set[dt.date]]:
    """The person's client ids leave every ``users`` list of a gold table: each
    partition holding one is rewritten.  Returns (rows changed, partition days)."""
    if lake.delta_table(uri) is None:
        return 0, set()
    scan = pl.scan_delta(uri, storage_options=lake.storage_options)
    days = scan.filter(_listed(person)).select(column).unique().collect()[column].to_list()
    changed = 0
    ids = sorted(person.client_ids)
    for day in days:
        part = scan.filter(pl.col(column) == day).collect()
        hit = _listed(person)
        changed += part.filter(hit).height
        stripped = part.with_columns(
            users=pl.when(pl.col("tracking_id") == person.site)
            .then(pl.col("users").list.set_difference(pl.lit(ids, dtype=pl.List(pl.String))))
            .otherwise(pl.col("users"))
        )
        lake.replace_partition(stripped, uri, column, day)
    return changed, set(days)


def erase_from_lake(
    lake: Lake,
    paths: LakePaths,
    person: Person,
    gold: Mapping[str, str],
    log: Callable[[str], None] = print,
) -> LakeErasure:
    """Remove the person from landing, bronze and its id index, silver, quarantine and
    every gold visitor list (``gold``: table name → partition column), and note the
    days they touched as changed so a refresh rebuilds them.  Old versions stay on
    disk until :func:`purge_history`."""
    done = LakeErasure()
    rows, files = _erase_landing(lake, paths, person)
    done.report["landing/events_rows"], done.report["landing/events_files"] = rows, files
    mine = (
        lake.scan_delta(paths.bronze_events, EVENT_SCHEMA)
        .filter(person.rows())
        .select("tracking_id", "event_id", "event_date")
        .collect()
    )
    done.days |= set(mine["event_date"].drop_nulls())
    done.report["bronze/events_rows"] = _delete(lake, paths.bronze_events, person.predicate())
    index = paths.event_id_index(index_fingerprint())
    hashes = ", ".join(str(h) for h in mine.select(event_key_hash())["h"].unique().sort())
    done.report["bronze/event_id_index_rows"] = (
        _delete(lake, index, f"tracking_id = {_quote(person.site)} AND h IN ({hashes})")
        if hashes
        else 0
    )
    sessions = (
        lake.scan_delta(paths.silver_sessions, SESSION_SCHEMA)
        .filter(person.rows())
        .select("session_date")
        .unique()
        .collect()
    )
    done.days |= set(sessions["session_date"].drop_nulls())
    done.report["silver/sessions_rows"] = _delete(lake, paths.silver_sessions, person.predicate())
    done.report["quarantine/bronze_events_rows"] = _erase_quarantine(lake, paths, person)
    for name, column in gold.items():
        changed, days = _erase_gold(lake, paths.gold(name), column, person)
        done.report[f"gold/{name}_rows"] = changed
        done.days |= days
    done.touched = {
        paths.bronze_events,
        index,
        paths.silver_sessions,
        *(paths.gold(name) for name in gold),
    }
    ChangedDays(lake, paths).note(done.days)
    removed = sum(done.report.values())
    log(f"lake: {removed} rows and files of the person removed; {len(done.days)} days to rebuild")
    return done


def _delete(lake: Lake, uri: str, predicate: str) -> int:
    table = lake.delta_table(uri)
    if table is None:
        return 0
    return int(table.delete(predicate).get("num_deleted_rows", 0))


def find_in_lake(
    lake: Lake, paths: LakePaths, wal_dir: Path | None, person: Person, gold: Mapping[str, str]
) -> dict[str, int]:
    """Rows of the person each store still holds (current versions; all 0 once erased)."""
    found = {
        "landing/events": _landing_scan(lake, paths).filter(person.rows()).collect().height,
        "bronze/events": lake.scan_delta(paths.bronze_events, EVENT_SCHEMA)
        .filter(person.rows())
        .collect()
        .height,
        "silver/sessions": lake.scan_delta(paths.silver_sessions, SESSION_SCHEMA)
        .filter(person.rows())
        .collect()
        .height,
        "quarantine/bronze_events": sum(
            f.filter(person.rows().fill_null(False)).height for _, f in _quarantined(lake, paths)
        ),
    }
    wal = 0
    for segment in segments(wal_dir) if wal_dir else ():
        try:
            wal += sum(map(person.in_wal_row, read_segment(segment)))
        except FileNotFoundError:
            continue
    found["wal"] = wal
    for name in gold:
        uri = paths.gold(name)
        if lake.delta_table(uri) is not None:
            scan = pl.scan_delta(uri, storage_options=lake.storage_options)
            found[f"gold/{name}"] = scan.filter(_listed(person)).collect().height
    return found


def purge_history(lake: Lake, uris: Iterable[str]) -> int:
    """Delete every older version of the Delta tables ``uris`` (data files and log
    entries: :meth:`Lake.forget_history`), so no copy of an erased row stays on disk;
    data files deleted."""
    return sum(lake.forget_history(uri) for uri in sorted(set(uris)))
