"""Which tracking ids exist, cached briefly so the hot path does not query the database."""

from __future__ import annotations

import threading
import time

from lake.metadata import MetadataStore, Site

__all__ = ["SiteCache"]


class SiteCache:
    """Sites from the metadata store, refreshed at most every ``ttl`` seconds."""

    def __init__(self, store: MetadataStore, ttl: float = 5.0) -> None:
        self.store = store
        self.ttl = ttl
        self._sites: dict[str, Site] = {}
        self._loaded = 0.0
        self._lock = threading.Lock()

    def get(self, tracking_id: str) -> Site | None:
        """The site, or None when unknown (a miss re-reads the store once per ttl)."""
        now = time.monotonic()
        site = self._sites.get(tracking_id)
        if site is None and now - self._loaded > self.ttl:
            with self._lock:
                self._sites = self.store.sites()
                self._loaded = now
            site = self._sites.get(tracking_id)
        return site
