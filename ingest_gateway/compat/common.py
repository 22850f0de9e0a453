"""Helpers the sender mappings share."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import orjson

from ingest_gateway.validation import InvalidEvent

__all__ = ["anonymous_client_id", "count", "flat_properties", "map_safely", "text"]

Mapped = dict[str, Any] | InvalidEvent


def anonymous_client_id(site: str, ip: str | None, user_agent: str | None) -> str:
    """A client id for senders that have none (Plausible, Umami): a hash of site, IP and UA.

    The IP itself is never stored; like Plausible's visitor id, the hash only lets
    one visitor's events be sessionized together.
    """
    key = f"{site}\x1f{ip or ''}\x1f{user_agent or ''}"
    return "h_" + hashlib.blake2b(key.encode(), digest_size=12).hexdigest()


def text(value: Any) -> str | None:
    """A sender's id or name as a string: strings as sent, numbers in decimal, else None.

    Senders disagree on whether ids are numbers (a Segment ``order_id`` of ``12``);
    the contract stores text.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def count(value: Any, field: str) -> int:
    """A non-negative whole number a sender may send as a number or a string of digits."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, float) and value >= 0 and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 12:
        return int(value)
    raise InvalidEvent(f"{field} must be a whole number ≥ 0")


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def flat_properties(props: Any) -> dict[str, Any] | None:
    """Contract-v1 properties: scalars and flat lists of scalars as sent, anything
    nested as a JSON string (raises :class:`InvalidEvent` past orjson's depth limit)."""
    if not isinstance(props, dict) or not props:
        return None
    out: dict[str, Any] = {}
    for key, value in props.items():
        if _scalar(value) or (isinstance(value, list) and all(map(_scalar, value))):
            out[str(key)] = value
            continue
        try:
            out[str(key)] = orjson.dumps(value).decode()
        except orjson.JSONEncodeError as exc:
            raise InvalidEvent(f"properties.{key} cannot be stored: {exc}") from None
    return out


def map_safely(mapper: Callable[..., dict[str, Any]], *args: Any) -> Mapped:
    """``mapper(*args)``, or the :class:`InvalidEvent` that says why the message is unusable.

    Sender payloads are free-form JSON; a value of an unexpected type must reject its
    message, never fail the request.
    """
    try:
        return mapper(*args)
    except InvalidEvent as exc:
        return exc
    except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as exc:
        return InvalidEvent(f"message cannot be read: {type(exc).__name__}")
