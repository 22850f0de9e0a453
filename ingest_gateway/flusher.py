"""Seals WAL segments and moves them to the lake as Parquet micro-batches.

Landing names derive from the segment (``<gateway_id>-<segment>.parquet`` under the
received date/hour), so flushing a segment again after a crash overwrites the same
files instead of duplicating events.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import threading
import time
from collections.abc import Sequence
from multiprocessing.process import BaseProcess
from pathlib import Path

import polars as pl
from msgspec.structs import astuple

from ingest_gateway.wal import WriteAheadLog, read_segment, sealed_segments
from lake.settings import Settings
from lake.storage import EVENT_SCHEMA, WAL_COLUMNS, Lake, LakePaths, WalRow

__all__ = ["Flusher", "land_all", "land_segment", "rows_frame", "run_lander", "segment_frame"]

log = logging.getLogger(__name__)

_WAL_SCHEMA = {
    c: (pl.Int64() if c in ("event_at", "received_at") else EVENT_SCHEMA[c]) for c in WAL_COLUMNS
}


def segment_frame(path: Path) -> pl.DataFrame:
    """The events of one WAL segment as a frame of :data:`lake.storage.EVENT_SCHEMA`."""
    return rows_frame(list(read_segment(path)))


def rows_frame(rows: Sequence[list | WalRow]) -> pl.DataFrame:
    """WAL rows (as read back from a segment, or :class:`WalRow` as
    :func:`ingest_gateway.enrich.rows.enrich` makes them) as a frame of
    :data:`lake.storage.EVENT_SCHEMA`, as landing writes them."""
    rows = [astuple(r) if isinstance(r, WalRow) else r for r in rows]
    width = len(_WAL_SCHEMA)
    if rows and len(rows[0]) < width:  # written before the last columns existed
        rows = [[*r, *([None] * (width - len(r)))] for r in rows]
    # Column-wise construction is several times faster than orient="row".
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(_WAL_SCHEMA)
    df = pl.DataFrame(
        {name: list(col) for name, col in zip(_WAL_SCHEMA, columns, strict=True)},
        schema=_WAL_SCHEMA,
    )
    df = df.with_columns(
        pl.col("event_at", "received_at").cast(pl.Datetime("us", "UTC")),
    ).with_columns(event_date=pl.col("event_at").dt.date())
    return df.select(list(EVENT_SCHEMA))


def land_segment(path: Path, lake: Lake, gateway_id: str) -> int:
    """Land one sealed segment as Parquet under its received hour(s), then delete it.

    Returns the events landed; 0 when another lander took the segment first.
    """
    try:
        df = segment_frame(path)
    except FileNotFoundError:
        return 0
    paths = LakePaths(lake.settings.lake_uri)
    if df.height:
        hours = df.with_columns(_h=pl.col("received_at").dt.truncate("1h"))
        for (hour,), part in hours.group_by("_h"):
            uri = paths.landing_file(hour, gateway_id, path.stem)
            lake.write_parquet(part.drop("_h").to_arrow(), uri)
    path.unlink(missing_ok=True)
    return df.height


def land_all(lake: Lake, settings: Settings) -> int:
    """Land every sealed segment in the WAL directory, oldest first."""
    segments = sealed_segments(settings.wal_dir)
    return sum(land_segment(p, lake, settings.gateway_id) for p in segments)


class Flusher:
    """Seals the WAL every ``interval`` seconds or ``max_events`` events; lands it meanwhile.

    Landing (msgpack → Parquet, object-store writes) runs in a separate *process* so its
    CPU never stalls the event loop that acknowledges requests; on stop, whatever that
    process left is landed from here.
    """

    def __init__(
        self,
        wal: WriteAheadLog,
        settings: Settings,
        interval: float,
        max_events: int,
    ) -> None:
        self.wal = wal
        self.settings = settings
        self.lake = Lake(settings)
        self.interval = interval
        self.max_events = max_events
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lander: BaseProcess = mp.get_context("spawn").Process(
            target=run_lander, args=(settings, os.getpid()), name="strata-lander", daemon=True
        )

    def notify(self, pending_events: int) -> None:
        """Called after each append: wake the sealer early when the segment is full."""
        if pending_events >= self.max_events:
            self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            self.wal.seal()
            self.wal.refresh_disk_bytes()

    def start(self) -> None:
        """Start landing (segments a previous run left go first), then seal in the background."""
        self._lander.start()
        self._thread = threading.Thread(target=self._run, name="wal-sealer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Seal, let the lander drain, and land anything still left: all acks reach the lake."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.wal.seal()
        if self._lander.is_alive():
            self._lander.terminate()  # SIGTERM: the lander drains what is sealed, then exits
            self._lander.join(timeout=120)
            if self._lander.is_alive():
                self._lander.kill()
        for attempt in range(5):
            try:
                land_all(self.lake, self.settings)
                return
            except Exception:
                log.exception("final landing failed (attempt %d)", attempt + 1)
                time.sleep(0.5 * 2**attempt)


def run_lander(settings: Settings, parent_pid: int) -> None:
    """Landing process: land sealed segments as they appear until SIGTERM (or orphaned).

    On SIGTERM it drains what is sealed first; if storage keeps failing it gives up after
    a few tries and leaves the segments for the next start.  Ctrl-C is left to the parent.
    """
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(19)  # landing has slack; acknowledging requests does not
    lake = Lake(settings)
    backoff, failures_after_stop = 0.5, 0
    while True:
        try:
            landed = land_all(lake, settings)
            backoff = 0.5
        except Exception:
            log.exception("landing failed; retrying in %.1fs", backoff)
            if stopping.is_set():
                failures_after_stop += 1
                if failures_after_stop >= 5:
                    return
            time.sleep(backoff)
            backoff = min(backoff * 2, 30.0)
            continue
        if not landed:
            if stopping.is_set() or os.getppid() != parent_pid:
                return
            stopping.wait(0.1)
