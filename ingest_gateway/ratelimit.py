"""Per-site token buckets: each tracking id may send so many events per second."""

from __future__ import annotations

import math
import threading
import time

__all__ = ["RateLimiter"]


class RateLimiter:
    """Token buckets keyed by tracking id; a bucket holds one second of events (≥ one batch)."""

    def __init__(self, burst_floor: int = 500) -> None:
        self.burst_floor = burst_floor
        self._buckets: dict[str, tuple[float, float]] = {}  # id -> (tokens, last refill)
        self._lock = threading.Lock()

    def try_take(self, tracking_id: str, events: int, rate: float) -> float:
        """Take ``events`` tokens; returns 0 on success, else seconds to wait before a retry."""
        capacity = max(rate, self.burst_floor)
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(tracking_id, (capacity, now))
            tokens = min(capacity, tokens + (now - last) * rate)
            if tokens >= events:
                self._buckets[tracking_id] = (tokens - events, now)
                return 0.0
            self._buckets[tracking_id] = (tokens, now)
            return max(1.0, math.ceil((events - tokens) / rate))
