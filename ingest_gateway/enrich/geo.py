"""IP → country (offline, ``iptocc``), region and city (an operator-supplied MaxMind
``.mmdb``), and IP anonymization before anything is stored."""

from __future__ import annotations

import functools
import ipaddress

import iptocc
import maxminddb

__all__ = ["GeoLocator", "anonymize_ip", "country_of", "normalize_ip"]


@functools.lru_cache(maxsize=50_000)
def country_of(ip: str | None) -> str | None:
    """ISO 3166-1 alpha-2 country of an address, or None when unknown or invalid."""
    if not ip:
        return None
    try:
        return iptocc.country_code(ip)
    except (ValueError, TypeError):
        return None


@functools.lru_cache(maxsize=50_000)
def anonymize_ip(ip: str | None) -> str | None:
    """Zero the host part: IPv4 to its /24, IPv6 to its /48 (the raw address is never kept)."""
    if not ip:
        return None
    parts = ip.split(".")
    if len(parts) == 4 and all(p.isdigit() and len(p) <= 3 and int(p) <= 255 for p in parts):
        return f"{int(parts[0])}.{int(parts[1])}.{int(parts[2])}.0"  # IPv4 fast path
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return None
    prefix = 24 if addr.version == 4 else 48
    return str(ipaddress.ip_network(f"{addr}/{prefix}", strict=False).network_address)


@functools.lru_cache(maxsize=50_000)
def normalize_ip(ip: str | None) -> str | None:
    """The address in canonical form, or None when ``ip`` is not an IP address."""
    if not ip:
        return None
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return None


class GeoLocator:
    """Country, region and city of an address.

    Without a database only the country is known (``iptocc``, shipped with the
    package); with a MaxMind GeoIP2/GeoLite2 City ``.mmdb`` (``STRATA_GEOIP_CITY_MMDB``)
    region and city too, and its country wins.
    """

    def __init__(self, mmdb_path: str | None = None) -> None:
        self._reader = maxminddb.open_database(mmdb_path) if mmdb_path else None
        self.locate = functools.lru_cache(maxsize=50_000)(self._locate)

    def _locate(self, ip: str | None) -> tuple[str | None, str | None, str | None]:
        country = country_of(ip)
        if self._reader is None or not ip:
            return country, None, None
        try:
            rec = self._reader.get(ip)
        except ValueError:
            return country, None, None
        if not isinstance(rec, dict):
            return country, None, None
        subdivisions = rec.get("subdivisions") or [{}]
        return (
            (rec.get("country") or {}).get("iso_code") or country,
            (subdivisions[0].get("names") or {}).get("en"),
            ((rec.get("city") or {}).get("names") or {}).get("en"),
        )
