"""Which tracking ids exist, cached briefly so the hot path does not query the database."""

from __future__ import annotations

import threading
import time

from lake.catalog import MetadataStore, Site

__all__ = ["SiteCache"]


class SiteCache:
    """Sites from the metadata store, refreshed at most every ``ttl`` seconds."""

    def __init__(self, store: MetadataStore, ttl: float = 5.0) -> None:
        self.store = store
        self.ttl = ttl
        self._sites: dict[str, Site] = {}
        self._loaded = 0.0
        self._lock = threading.Lock()

    def _fresh(self) -> dict[str, Site]:
        now = time.monotonic()
        if now - self._loaded > self.ttl:
            with self._lock:
                if now - self._loaded > self.ttl:
                    self._sites = self.store.sites()
                    self._loaded = now
        return self._sites

    def get(self, tracking_id: str) -> Site | None:
        """The site, or None when unknown (changes show within ``ttl`` seconds)."""
        return self._fresh().get(tracking_id)

    def by_domain(self, domain: str) -> Site | None:
        """The site that lists ``domain`` (Plausible addresses sites by domain)."""
        domain = domain.lower().removeprefix("www.")
        for site in self._fresh().values():
            if domain in site.domains or f"www.{domain}" in site.domains:
                return site
        return None

    def any_allows_origin(self, host: str) -> bool:
        """True when some site lists ``host`` (or a parent domain) among its domains."""
        return any(site.allows_origin(host) for site in self._fresh().values())
