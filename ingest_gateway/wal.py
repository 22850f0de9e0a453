"""Write-ahead log: an event is acknowledged only once its frame is on local disk.

Segments are files ``<id>.wal`` of frames ``[len:u32][crc32:u32][msgpack rows]``.
The open segment takes appends; :meth:`WriteAheadLog.seal` closes it so the
flusher can land it.  A torn frame at a segment's tail (a crash mid-write, never
acknowledged) is ignored on replay.
"""

from __future__ import annotations

import os
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import msgspec

__all__ = ["WriteAheadLog", "read_segment"]

_HEADER = struct.Struct("<II")
_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(list[list])


def read_segment(path: Path) -> Iterator[list]:
    """Yield the rows of every intact frame of a segment, in write order."""
    data = path.read_bytes()
    pos = 0
    while pos + _HEADER.size <= len(data):
        length, crc = _HEADER.unpack_from(data, pos)
        start = pos + _HEADER.size
        payload = data[start : start + length]
        if len(payload) < length or zlib.crc32(payload) != crc:
            break
        yield from _decoder.decode(payload)
        pos = start + length


class WriteAheadLog:
    """Append-only segments in one directory; thread-safe."""

    def __init__(self, directory: Path, fsync: bool = True) -> None:
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.fsync = fsync
        self._lock = threading.Lock()
        existing = [int(p.stem) for p in self.dir.glob("*.wal") if p.stem.isdigit()]
        self._last_id = max(existing, default=0)
        self._file: BinaryIO | None = None
        self._path: Path | None = None
        self.pending_events = 0  # events in the open segment

    def append(self, rows: list[list]) -> int:
        """Durably append rows (one frame); returns the events now in the open segment."""
        payload = _encoder.encode(rows)
        frame = _HEADER.pack(len(payload), zlib.crc32(payload)) + payload
        with self._lock:
            if self._file is None:
                # Ids are creation times in µs, strictly increasing: unique across restarts,
                # so a segment's landing file name is never reused by later data.
                self._last_id = max(time.time_ns() // 1000, self._last_id + 1)
                self._path = self.dir / f"{self._last_id:017d}.wal"
                self._file = open(self._path, "ab")  # noqa: SIM115 - kept open across appends
            self._file.write(frame)
            self._file.flush()
            if self.fsync:
                os.fsync(self._file.fileno())
            self.pending_events += len(rows)
            return self.pending_events

    def seal(self) -> None:
        """Close the open segment (if any) so it can be flushed; appends go to a new one."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
                self._path = None
                self.pending_events = 0

    def sealed_segments(self) -> list[Path]:
        """Closed segments not yet flushed, oldest first (includes any left by a crash)."""
        # Listed under the lock: a segment opened by an append racing this call must not
        # be taken for a sealed one (it would be landed half-written and then deleted).
        with self._lock:
            return sorted(p for p in self.dir.glob("*.wal") if p != self._path)

    def disk_bytes(self) -> int:
        """Bytes the WAL holds on disk (for the disk budget and monitoring)."""
        return sum(p.stat().st_size for p in self.dir.glob("*.wal"))
