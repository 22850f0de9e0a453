"""Helpers the sender mappings share."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

__all__ = ["anonymous_client_id", "flat_properties"]


def anonymous_client_id(site: str, ip: str | None, user_agent: str | None) -> str:
    """A client id for senders that have none (Plausible, Umami): a hash of site, IP and UA.

    The IP itself is never stored; like Plausible's visitor id, the hash only lets
    one visitor's events be sessionized together.
    """
    key = f"{site}\x1f{ip or ''}\x1f{user_agent or ''}"
    return "h_" + hashlib.blake2b(key.encode(), digest_size=12).hexdigest()


def flat_properties(props: Any) -> dict[str, str | int | float | bool | None] | None:
    """Contract-v1 properties are flat scalars: nested values become JSON strings."""
    if not isinstance(props, dict) or not props:
        return None
    out: dict[str, str | int | float | bool | None] = {}
    for key, value in props.items():
        if value is None or isinstance(value, str | int | float | bool):
            out[str(key)] = value
        else:
            out[str(key)] = orjson.dumps(value).decode()
    return out
