"""IP → country (offline, ``iptocc``) and IP anonymization before anything is stored."""

from __future__ import annotations

import functools
import ipaddress

import iptocc

__all__ = ["anonymize_ip", "country_of"]


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
