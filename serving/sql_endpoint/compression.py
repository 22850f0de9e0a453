"""HTTP compression as ClickHouse clients use it: response bodies compressed when the
client sends ``enable_http_compression=1`` and an ``Accept-Encoding`` we can produce;
request bodies decompressed by their ``Content-Encoding`` (with a size cap)."""

from __future__ import annotations

import gzip
import zlib

import lz4.frame

from serving.sql_endpoint.errors import ClickHouseError

__all__ = ["compress", "decompress", "pick_encoding"]

_ENCODERS = {
    "gzip": lambda data: gzip.compress(data, compresslevel=3),
    "deflate": lambda data: zlib.compress(data, 3),
    "lz4": lambda data: lz4.frame.compress(data),
}


def pick_encoding(accept: str, enabled: bool) -> str | None:
    """The first encoding of the client's ``Accept-Encoding`` we can produce, or None."""
    if not enabled:
        return None
    for part in accept.split(","):
        name = part.split(";")[0].strip().lower()
        if name in _ENCODERS:
            return name
    return None


def compress(data: bytes, encoding: str | None) -> bytes:
    """``data`` in ``encoding`` (unchanged for None)."""
    return data if encoding is None else _ENCODERS[encoding](data)


def decompress(data: bytes, encoding: str, limit: int) -> bytes:
    """A request body in plain bytes; refuses unknown encodings and more than ``limit``."""
    name = encoding.strip().lower()
    try:
        if name in ("", "identity"):
            out = data
        elif name in ("gzip", "x-gzip", "deflate"):
            wbits = 31 if "gzip" in name else 15
            inflater = zlib.decompressobj(wbits)
            out = inflater.decompress(data, limit + 1)
        elif name == "lz4":
            out = lz4.frame.LZ4FrameDecompressor().decompress(data, max_length=limit + 1)
        else:
            raise ClickHouseError(
                "UNKNOWN_COMPRESSION_METHOD",
                f"Unknown HTTP compression method {name!r}: gzip, deflate or lz4 are read here",
                code=85,
            )
    except ClickHouseError:
        raise
    except Exception as exc:
        raise ClickHouseError("CANNOT_DECOMPRESS", f"request body not {name}: {exc}", 271) from None
    if len(out) > limit:
        raise ClickHouseError("QUERY_IS_TOO_LARGE", f"the query is longer than {limit} bytes")
    return out
