"""Per-key request limits of the query API: a token bucket per API key."""

from __future__ import annotations

import math
import threading
import time

__all__ = ["KeyRateLimiter"]


class KeyRateLimiter:
    """``per_minute`` requests per key, refilled continuously; bursts up to the same."""

    def __init__(self, per_minute: int) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute)
        self._buckets: dict[str, tuple[float, float]] = {}  # key id -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, key_id: str) -> float:
        """Admit one request of ``key_id``: 0 when admitted, else the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            tokens, at = self._buckets.get(key_id, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - at) * self.rate)
            if tokens >= 1.0:
                self._buckets[key_id] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key_id] = (tokens, now)
            return (1.0 - tokens) / self.rate if self.rate > 0 else math.inf
