"""Write-ahead log: an event is acknowledged only once its frame is on local disk.

Segments are files of frames ``[len:u32][crc32:u32][msgpack rows]``.  The open
segment, ``<id>.open``, takes appends; :meth:`WriteAheadLog.seal` fsyncs, closes
and renames it to ``<id>.wal``, and only ``.wal`` files are ever landed (by the
landing process) and deleted.  A segment left ``.open`` by a crash is sealed when
the next gateway starts.  A torn frame at a segment's tail (a crash mid-write,
never acknowledged) is ignored.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path
from typing import BinaryIO

from lake.storage import WalRow, encode_frame, read_segment, sealed_segments

__all__ = ["WriteAheadLog", "read_segment", "sealed_segments"]


class WriteAheadLog:
    """Append-only segments in one directory; thread-safe, with group commit.

    Each append writes its frame under a short lock, then waits for an ``fsync``
    that covers it: one thread syncs for everything written so far while the
    others keep writing, so concurrent requests share one disk flush.
    """

    def __init__(self, directory: Path, fsync: bool = True) -> None:
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.fsync = fsync
        self._lock = threading.Lock()  # segment state and writes
        self._sync_lock = threading.Lock()  # one fsync at a time
        for left_open in self.dir.glob("*.open"):  # a crash left it: seal it now
            left_open.rename(left_open.with_suffix(".wal"))
        existing = [int(p.stem) for p in self.dir.glob("*.wal") if p.stem.isdigit()]
        self._last_id = max(existing, default=0)
        self._file: BinaryIO | None = None
        self._path: Path | None = None
        self._written = 0  # frames written so far
        self._synced = 0  # frames known to be on disk
        self._bytes = 0
        self.refresh_disk_bytes()
        self.pending_events = 0  # events in the open segment

    def write(self, rows: list[WalRow]) -> tuple[int, int]:
        """Append one frame to the OS (not yet fsynced): (frame number, events in segment).

        Cheap enough for the event loop; pair it with :meth:`sync` (directly, or through
        :class:`ingest_gateway.commit.GroupCommit`) before acknowledging.
        """
        frame = encode_frame(rows)
        with self._lock:
            if self._file is None:
                # Ids are creation times in µs, strictly increasing: unique across restarts,
                # so a segment's landing file name is never reused by later data.
                self._last_id = max(time.time_ns() // 1000, self._last_id + 1)
                self._path = self.dir / f"{self._last_id:017d}.open"
                self._file = open(self._path, "ab")  # noqa: SIM115 - kept open across appends
            self._file.write(frame)
            self._file.flush()
            self._written += 1
            self._bytes += len(frame)
            self.pending_events += len(rows)
            return self._written, self.pending_events

    def append(self, rows: list[WalRow]) -> int:
        """Durably append rows (write, then fsync unless a concurrent one covered it)."""
        frame_no, pending = self.write(rows)
        if self.fsync and self.synced < frame_no:
            self.sync()
        return pending

    @property
    def synced(self) -> int:
        """Frames known to be on disk (all of them when fsync is off)."""
        return self._synced if self.fsync else self._written

    def sync(self) -> int:
        """fsync everything written so far; returns the number of frames now durable.

        One fsync at a time; frames written while it runs wait for the next one.
        """
        with self._sync_lock:
            with self._lock:
                target = self._written
                if self._synced >= target or self._file is None:
                    return self._synced  # nothing new, or seal() synced it already
                fd = os.dup(self._file.fileno())  # survives a seal() while we sync
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            with self._lock:
                self._synced = max(self._synced, target)
                return self._synced

    def seal(self) -> None:
        """Make the open segment (if any) durable and hand it to the lander as ``<id>.wal``."""
        with self._lock:
            if self._file is not None and self._path is not None:
                self._file.flush()
                if self.fsync:
                    os.fsync(self._file.fileno())
                self._file.close()
                self._path.rename(self._path.with_suffix(".wal"))
                self._synced = self._written
                self._file = None
                self._path = None
                self.pending_events = 0

    def refresh_disk_bytes(self) -> int:
        """Recount the bytes on disk (the lander deletes landed segments in its own process)."""
        total = 0
        for path in self.dir.iterdir():
            if path.suffix in (".wal", ".open"):
                with contextlib.suppress(FileNotFoundError):  # landed and deleted meanwhile
                    total += path.stat().st_size
        self._bytes = total
        return total

    @property
    def disk_bytes(self) -> int:
        """Bytes the WAL holds on disk (for the disk budget and monitoring)."""
        return self._bytes
