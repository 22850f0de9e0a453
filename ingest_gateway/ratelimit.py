"""Per-site token buckets: each tracking id may send so many events per second."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping

__all__ = ["RateLimiter"]


class RateLimiter:
    """Token buckets keyed by tracking id; a bucket holds one second of events (≥ one batch).

    Because a bucket always holds at least a whole batch (``burst_floor`` is the
    batch limit), any admissible request is admitted after the ``Retry-After`` it is
    told: a 429 is never forever.
    """

    def __init__(self, burst_floor: int = 500) -> None:
        self.burst_floor = burst_floor
        self._buckets: dict[str, tuple[float, float]] = {}  # id -> (tokens, last refill)
        self._lock = threading.Lock()

    def try_take_all(
        self, events: Mapping[str, int], rates: Mapping[str, float]
    ) -> tuple[str | None, float]:
        """Take tokens from every site of one request, or from none.

        Returns ``(None, 0)`` on success, else the first site over its rate and the
        seconds until its bucket holds the request's events.
        """
        now = time.monotonic()
        with self._lock:
            levels: dict[str, float] = {}
            for tracking_id, count in events.items():
                rate = rates[tracking_id]
                capacity = max(rate, self.burst_floor, count)
                tokens, last = self._buckets.get(tracking_id, (capacity, now))
                tokens = min(capacity, tokens + (now - last) * rate)
                levels[tracking_id] = tokens
                if tokens < count:
                    for site, level in levels.items():
                        self._buckets[site] = (level, now)
                    return tracking_id, max(1.0, (count - tokens) / rate)
            for tracking_id, count in events.items():
                self._buckets[tracking_id] = (levels[tracking_id] - count, now)
            return None, 0.0
