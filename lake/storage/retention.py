"""Data retention in the lake: what is older than a site's retention is deleted from
every table and file that holds it, then vacuumed so the files are really gone.

Raw data (``STRATA_RAW_RETENTION_DAYS``, per site ``raw_retention_days``): landing
files, bronze events and their id index, silver sessions, quarantine.  Aggregates
(``STRATA_AGGREGATE_RETENTION_DAYS``, per site ``aggregate_retention_days``): the gold
rollups and cubes.  A day is expired when it lies before ``today - days`` (a day counts
in its table's own date column: the UTC ``event_date``/``session_date``/``utc_date``, or
the site-local ``date`` of daily rollups).  Days a refresh has still to rebuild (pending
in ``bronze/changed_days``, and the two before the earliest of them, which its sessions
may reach back to) are held for a later run: retention never deletes what a running
refresh reads.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import polars as pl

from lake.storage.changes import ChangedDays
from lake.storage.io import Lake
from lake.storage.known_ids import index_fingerprint
from lake.storage.paths import LakePaths

__all__ = ["RetentionPolicy", "apply_lake_retention", "held_from", "retained_visitors"]

_HOLD_BEFORE_PENDING = dt.timedelta(days=2)
_LANDING_DATE = re.compile(r"/date=(\d{4}-\d{2}-\d{2})/")


@dataclass(frozen=True)
class RetentionPolicy:
    """Days kept per site: the defaults and each site's overrides (None: the default)."""

    today: dt.date
    raw_days: int
    aggregate_days: int
    overrides: Mapping[str, tuple[int | None, int | None]] = field(default_factory=dict)
    hold_from: dt.date | None = None  # days from here on are never deleted (a refresh reads them)

    def cutoff(self, kind: str, site: str | None = None) -> dt.date:
        """The first day kept of ``kind`` (``raw`` or ``aggregate``) for ``site`` (None:
        sites without an override); a running refresh's days are always kept."""
        raw, aggregate = self.overrides.get(site, (None, None)) if site else (None, None)
        days = (raw or self.raw_days) if kind == "raw" else (aggregate or self.aggregate_days)
        first_kept = self.today - dt.timedelta(days=days)
        return min(first_kept, self.hold_from) if self.hold_from else first_kept

    def oldest_cutoff(self, kind: str) -> dt.date:
        """The earliest first-kept day over every site: older days are expired for all."""
        return min([self.cutoff(kind), *(self.cutoff(kind, s) for s in self.overrides)])

    def latest_cutoff(self, kind: str) -> dt.date:
        """The latest first-kept day over every site: newer days are kept for all."""
        return max([self.cutoff(kind), *(self.cutoff(kind, s) for s in self.overrides)])

    def predicate(self, kind: str, column: str) -> str:
        """A Delta predicate matching the expired rows (per site, then the default)."""
        clauses = [
            f"(tracking_id = {_quote(site)} AND {column} < '{self.cutoff(kind, site)}')"
            for site in sorted(self.overrides)
        ]
        others = ", ".join(_quote(s) for s in sorted(self.overrides))
        default = f"{column} < '{self.cutoff(kind)}'"
        clauses.append(f"(tracking_id NOT IN ({others}) AND {default})" if others else default)
        return " OR ".join(clauses)

    def expired(self, kind: str, column: str) -> pl.Expr:
        """The same rows as a Polars expression (for files rewritten in Python)."""
        cutoff = pl.lit(self.cutoff(kind))
        for site in self.overrides:
            cutoff = (
                pl.when(pl.col("tracking_id") == site)
                .then(pl.lit(self.cutoff(kind, site)))
                .otherwise(cutoff)
            )
        return pl.col(column) < cutoff


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def held_from(lake: Lake, paths: LakePaths) -> dt.date | None:
    """The earliest day a pending refresh may read (None: nothing pending)."""
    pending = ChangedDays(lake, paths).pending()
    return min(pending) - _HOLD_BEFORE_PENDING if pending else None


def _delete(lake: Lake, uri: str, predicate: str) -> int:
    table = lake.delta_table(uri)
    if table is None:
        return 0
    metrics = table.delete(predicate)
    return int(metrics.get("num_deleted_rows", 0))


def _expired_files(lake: Lake, uri: str, cutoff: dt.date) -> list[str]:
    old = []
    for path in lake.list_files(uri):
        found = _LANDING_DATE.search(path)
        if found and dt.date.fromisoformat(found.group(1)) < cutoff:
            old.append(path)
    return old


def _rewrite_expired_rows(lake: Lake, uri: str, policy: RetentionPolicy) -> tuple[int, int]:
    """Files that keep their rows' own dates (quarantine; landing files, whose directory
    is the day they arrived, not the day their events happened): each file loses its
    expired rows (a file left empty is deleted).  Returns (rows deleted, files deleted)."""
    rows = files = 0
    for path in lake.list_files(uri):
        frame = lake.read_frame(path)
        if "event_date" not in frame.columns or "tracking_id" not in frame.columns:
            continue
        dropped, deleted = lake.drop_rows(path, frame, policy.expired("raw", "event_date"))
        rows, files = rows + dropped, files + deleted
    return rows, files


def apply_lake_retention(
    lake: Lake,
    paths: LakePaths,
    policy: RetentionPolicy,
    gold: Mapping[str, str],
    log: Callable[[str], None] = print,
) -> dict[str, int]:
    """Delete every expired row and file of the lake, then vacuum what was touched.

    ``gold`` names the gold tables (rollups and cubes) with their partition column.
    Returns what was removed per table (``…_rows``, ``…_files``).  Each Delta delete is
    one transaction on the snapshot it reads, so rows bronze appends meanwhile (newer
    days) are never touched.
    """
    report: dict[str, int] = {}
    raw = {
        "bronze/events": (paths.bronze_events, "event_date"),
        "silver/sessions": (paths.silver_sessions, "session_date"),
    }
    aggregate = {f"gold/{name}": (paths.gold(name), column) for name, column in gold.items()}
    touched: list[tuple[str, str]] = []
    for kind, tables in (("raw", raw), ("aggregate", aggregate)):
        for name, (uri, column) in tables.items():
            deleted = _delete(lake, uri, policy.predicate(kind, column))
            report[f"{name}_rows"] = deleted
            if deleted:
                touched.append((name, uri))
            log(f"{name}: {deleted} rows older than their site's {kind} retention deleted")
    index = paths.event_id_index(index_fingerprint())
    oldest = policy.oldest_cutoff("raw")
    deleted = _delete(lake, index, f"event_date < '{oldest}'")
    report["bronze/event_id_index_rows"] = deleted
    if deleted:
        touched.append(("bronze/event_id_index", index))
    landing = _expired_files(lake, paths.landing_events, oldest)
    report["landing/events_files"] = lake.delete_files(landing)
    late, emptied = _rewrite_expired_rows(lake, paths.landing_events, policy)
    report["landing/events_rows"] = late
    report["landing/events_files"] += emptied
    rows, files = _rewrite_expired_rows(lake, paths.quarantine("bronze_events"), policy)
    report["quarantine/bronze_events_rows"], report["quarantine/bronze_events_files"] = rows, files
    for name, uri in touched:  # no older version of a deleted row stays on disk
        report[f"{name}_files"] = lake.forget_history(uri)
    vacuumed = sum(report.get(f"{n}_files", 0) for n, _ in touched)
    log(
        f"landing: {report['landing/events_files']} files before {oldest} deleted; quarantine: "
        f"{rows} rows deleted; vacuumed {vacuumed} files"
    )
    return report


def retained_visitors(lake: Lake, raw: list[str], with_lists: list[str]) -> pl.DataFrame:
    """Every (tracking_id, client_id) the lake still holds after retention: the clients
    of the Delta tables ``raw`` and the ``users`` lists of the tables ``with_lists``
    (a daily cube has every visitor of every kept day).  A visitor in none of them may
    leave the hot tier's visitor-number registry."""
    frames = [
        lake.scan_delta(uri, {"tracking_id": pl.String(), "client_id": pl.String()}).select(
            "tracking_id", "client_id"
        )
        for uri in raw
    ]
    for uri in with_lists:
        if lake.delta_table(uri) is not None:
            frames.append(
                pl.scan_delta(uri, storage_options=lake.storage_options)
                .select("tracking_id", client_id=pl.col("users"))
                .explode("client_id")
            )
    return pl.concat(frames).drop_nulls().unique().collect()
