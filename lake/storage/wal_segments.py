"""The write-ahead log's segment format, shared by the gateway (which writes and lands
segments) and erasure (which must reach events not landed yet).

A segment is a file of frames ``[len:u32][crc32:u32][msgpack rows]``; each row is a
:class:`WalRow`, stored as the array of its field values in order (rows written before
the last columns existed are shorter); they are read back as plain lists.
``<id>.open`` takes appends; ``<id>.wal`` is sealed and waits to be landed.  A torn
frame at a segment's tail (a crash mid-write, never acknowledged) ends the segment.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import msgspec

__all__ = [
    "WAL_COLUMNS",
    "WalRow",
    "encode_frame",
    "read_segment",
    "rewrite_segment",
    "sealed_segments",
    "segments",
]


class WalRow(msgspec.Struct, array_like=True):
    """One enriched event as the WAL keeps it: the landing schema (:data:`EVENT_SCHEMA`)
    without ``event_date`` (landing derives it), times as epoch microseconds.  Encoded
    as an array of the values in field order (new fields go last, with defaults)."""

    event_id: str
    tracking_id: str
    client_id: str
    session_hint: str | None
    user_id: str | None
    event_type: str
    event_name: str | None
    event_at: int
    received_at: int
    page_url: str | None
    page_title: str | None
    page_referrer: str | None
    page_host: str | None
    page_path: str | None
    referrer_host: str | None
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None
    utm_term: str | None
    utm_content: str | None
    channel: str | None
    properties: str | None
    revenue_amount: float | None
    revenue_currency: str | None
    transaction_id: str | None
    experiment_id: str | None
    experiment_variant: str | None
    screen: str | None
    language: str | None
    client_timezone: str | None
    ip: str | None
    country: str | None
    region: str | None
    city: str | None
    device: str | None
    browser: str | None
    browser_version: str | None
    os: str | None
    os_version: str | None
    is_bot: bool | None
    engaged_ms: int | None = None
    scroll_depth: int | None = None
    is_interactive: bool | None = None


#: Columns of a WAL row, in order.
WAL_COLUMNS: tuple[str, ...] = WalRow.__struct_fields__

HEADER = struct.Struct("<II")
_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(list[list])


def encode_frame(rows: list[WalRow] | list[list]) -> bytes:
    """One frame holding ``rows``: header (length, CRC-32) then the msgpack payload."""
    payload = _encoder.encode(rows)
    return HEADER.pack(len(payload), zlib.crc32(payload)) + payload


def read_segment(path: Path) -> Iterator[list]:
    """Yield the rows of every intact frame of a segment, in write order."""
    data = path.read_bytes()
    pos = 0
    while pos + HEADER.size <= len(data):
        length, crc = HEADER.unpack_from(data, pos)
        start = pos + HEADER.size
        payload = data[start : start + length]
        if len(payload) < length or zlib.crc32(payload) != crc:
            break
        yield from _decoder.decode(payload)
        pos = start + length


def sealed_segments(directory: Path) -> list[Path]:
    """Sealed segments waiting to be landed, oldest first."""
    return sorted(directory.glob("*.wal"))


def segments(directory: Path) -> list[Path]:
    """Every segment, sealed or open, oldest first ([] when the directory is absent)."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.suffix in (".wal", ".open"))


def rewrite_segment(path: Path, drop: Callable[[list], bool]) -> int:
    """Rewrite a segment without the rows ``drop`` selects (one frame, fsynced, then
    renamed over the old file); returns the rows dropped.  0 when the segment is gone
    (landed meanwhile) or holds none of them; the file is then left as it was."""
    try:
        rows = list(read_segment(path))
    except FileNotFoundError:
        return 0
    kept = [row for row in rows if not drop(row)]
    dropped = len(rows) - len(kept)
    if not dropped:
        return 0
    tmp = path.with_name(path.name + ".erasing")
    with open(tmp, "wb") as out:
        if kept:
            out.write(encode_frame(kept))
        out.flush()
        os.fsync(out.fileno())
    if not path.exists():  # landed while we read it: landing already holds the rows
        tmp.unlink()
        return 0
    os.replace(tmp, path)
    return dropped
