"""Answers of reports kept for a while: the same question asked again is not run again.

An answer is reused for ``STRATA_QUERY_CACHE_SECONDS`` at most, and never after the hot
tier has loaded new data (the lake's :class:`~lake.storage.DataVersion` token changes at
the end of every load).  Each API process keeps its own answers, least recently used
dropped first.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

__all__ = ["ResultCache"]


class ResultCache:
    """A bounded map of answers with a time to live, tied to the data version."""

    def __init__(
        self,
        ttl_seconds: float,
        version: Callable[[], str],
        max_entries: int = 2048,
        version_check_seconds: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._version = version
        self._check_every = version_check_seconds
        self._clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, str, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._seen: tuple[float, str] | None = None  # (when read, token)

    @property
    def enabled(self) -> bool:
        """False when the TTL is 0 (``STRATA_QUERY_CACHE_SECONDS=0``)."""
        return self.ttl > 0

    def version(self) -> str:
        """The data version now; read again at most every ``version_check_seconds`` (an
        S3 lake pays a request per read)."""
        now = self._clock()
        seen = self._seen
        if seen is None or now - seen[0] >= self._check_every:
            seen = (now, self._version())
            self._seen = seen
        return seen[1]

    def get(self, key: Hashable, version: str | None = None) -> Any | None:
        """The answer stored under ``key`` if it is younger than the TTL and was computed
        on the current data ``version`` (read here when not given), else None."""
        if not self.enabled:
            return None
        version = self.version() if version is None else version
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            stored_at, stored_version, answer = entry
            if stored_version != version or self._clock() - stored_at >= self.ttl:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return answer

    def put(self, key: Hashable, answer: Any, version: str) -> None:
        """Keep ``answer``, computed on data ``version`` (read before the query ran, so an
        answer racing a load is never kept as newer than it is)."""
        if not self.enabled:
            return
        with self._lock:
            self._entries[key] = (self._clock(), version, answer)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
