"""The intake path shared by every ingest route: validate, admit, enrich, log, acknowledge.

Framework-free on purpose: the hot ``POST`` paths call it straight from ASGI
(:mod:`ingest_gateway.fastpath`), the FastAPI routes through a thin adapter.
Routes turn their wire format into contract-v1 items (raw JSON per event) and call
:meth:`Intake.accept`; everything after that — per-event errors, unknown sites,
browser origins, rate limits, the WAL disk budget and the durable append — is
decided here once.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import msgspec
import orjson

from ingest_gateway.commit import GroupCommit
from ingest_gateway.contract import decode_batch, event_decoder
from ingest_gateway.enrich.bots import MAX_UA_CHARS
from ingest_gateway.enrich.geo import GeoLocator
from ingest_gateway.enrich.rows import enrich
from ingest_gateway.flusher import Flusher
from ingest_gateway.ratelimit import RateLimiter
from ingest_gateway.sites import SiteCache
from ingest_gateway.validation import InvalidEvent, check_event
from ingest_gateway.wal import WriteAheadLog
from lake.settings import Settings
from lake.storage import WalRow

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_HEADER_BYTES",
    "Answer",
    "Intake",
    "Sender",
    "error_answer",
    "plain_json",
]

MAX_BODY_BYTES = 1024 * 1024
#: All request headers together; past this the request is refused with 431.
MAX_HEADER_BYTES = 16 * 1024
_CONTENT_TYPES = ("application/json", "text/plain", "")


@dataclass(frozen=True)
class Sender:
    """What a request says about who sent it (the user agent cut to what is parsed)."""

    user_agent: str | None = None
    ip: str | None = None
    origin: str | None = None  # the Origin header, as sent

    def __post_init__(self) -> None:
        if self.user_agent is not None and len(self.user_agent) > MAX_UA_CHARS:
            object.__setattr__(self, "user_agent", self.user_agent[:MAX_UA_CHARS])

    @property
    def origin_host(self) -> str | None:
        """Host of the browser page that sent the request, if any."""
        if not self.origin or self.origin == "null":
            return None
        try:
            return urlsplit(self.origin).hostname
        except ValueError:
            return None


@dataclass
class Answer:
    """An HTTP answer: status, JSON body bytes and extra headers."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def _answer(status: int, body: dict, headers: dict[str, str]) -> Answer:
    return Answer(status, orjson.dumps(body), headers)


def plain_json(data: bytes) -> bool:
    """True when JSON ``data`` is ASCII without backslashes or DEL: none of its strings can
    then hold a control character (see :func:`ingest_gateway.validation.check_event`)."""
    return data.isascii() and b"\\" not in data and b"\x7f" not in data


def error_answer(status: int, message: str, headers: dict[str, str] | None = None) -> Answer:
    """A 4xx answer with ``{"error": message}``."""
    return _answer(status, {"error": message}, headers or {})


class Intake:
    """Everything an ingest request needs, built once per gateway process."""

    def __init__(
        self,
        settings: Settings,
        wal: WriteAheadLog,
        commit: GroupCommit,
        flusher: Flusher,
        sites: SiteCache,
        limiter: RateLimiter,
    ) -> None:
        self.settings = settings
        self.wal = wal
        self.commit = commit
        self.flusher = flusher
        self.sites = sites
        self.limiter = limiter
        self.geo = GeoLocator(settings.geoip_city_mmdb)

    def cors(self, sender: Sender) -> dict[str, str]:
        """CORS headers when the sender's origin is a domain of some site, else none."""
        host = sender.origin_host
        if host is None or not self.sites.any_allows_origin(host):
            return {}
        return {
            "Access-Control-Allow-Origin": sender.origin or "",
            "Access-Control-Allow-Methods": "POST, GET, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": "86400",
            "Vary": "Origin",
        }

    def parse(self, content_type: str, body: bytes, sender: Sender) -> list[msgspec.Raw] | Answer:
        """The body's events as raw items, or the 4xx answer a bad body gets.

        ``text/plain`` is accepted because ``navigator.sendBeacon`` and CORS-simple
        requests send JSON under that type.
        """
        ctype = content_type.split(";")[0].strip().lower()
        if ctype not in _CONTENT_TYPES:
            msg = f"content type {ctype!r} not supported; send application/json"
            return _answer(415, {"error": msg}, self.cors(sender))
        if len(body) > MAX_BODY_BYTES:
            return self.too_large(len(body), sender)
        try:
            return decode_batch(body)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            msg = f"body must be a JSON event object or an array of event objects ({exc})"
            return _answer(400, {"error": msg}, self.cors(sender))
        except ValueError as exc:
            return _answer(400, {"error": str(exc)}, self.cors(sender))

    def too_large(self, size: int, sender: Sender) -> Answer:
        """413 for a body over :data:`MAX_BODY_BYTES`."""
        msg = f"body is {size} bytes; at most {MAX_BODY_BYTES}"
        return _answer(413, {"error": msg}, self.cors(sender))

    async def accept(
        self,
        items: Sequence[msgspec.Raw | bytes | InvalidEvent],
        sender: Sender,
        plain: bool | None = None,
    ) -> Answer:
        """Validate and durably log ``items``; the answer every ingest route gives.

        An item may already be an :class:`InvalidEvent` (a sender's message its mapping
        could not use): it is reported at its index like any other rejection.
        ``plain``: whether the body the items came from is :func:`plain_json` (None:
        each item is looked at on its own).

        ``202 {"accepted", "rejected": [{"index", "error"}]}`` once every accepted event
        is in the WAL; ``400`` when none is valid; ``429`` + ``Retry-After`` when a site is
        over its rate; ``503`` + ``Retry-After`` when the WAL is over its disk budget.
        """
        cors = self.cors(sender) if sender.origin else {}
        if self.wal.disk_bytes > self.settings.wal_max_bytes:
            msg = {"error": "write-ahead log is full; retry later"}
            return _answer(503, msg, {**cors, "Retry-After": "5"})
        received_us = time.time_ns() // 1000
        browser_host = sender.origin_host
        rows: list[WalRow] = []
        per_site: Counter[str] = Counter()
        rejected: list[dict] = []
        for index, raw in enumerate(items):
            if isinstance(raw, InvalidEvent):
                rejected.append({"index": index, "error": str(raw)})
                continue
            try:
                item_plain = plain_json(bytes(raw)) if plain is None else plain
                event, notes = check_event(event_decoder.decode(raw), index, item_plain)
            except (msgspec.ValidationError, msgspec.DecodeError, InvalidEvent) as exc:
                rejected.append({"index": index, "error": str(exc)})
                continue
            except UnicodeDecodeError:
                rejected.append({"index": index, "error": "event is not valid UTF-8"})
                continue
            except RecursionError:
                rejected.append({"index": index, "error": "event is nested too deeply"})
                continue
            site = self.sites.get(event.tracking_id)
            if site is None:
                error = f"unknown tracking_id {event.tracking_id!r}"
                rejected.append({"index": index, "error": error})
                continue
            if browser_host is not None and not site.allows_origin(browser_host):
                error = f"origin {browser_host!r} is not a domain of site {event.tracking_id!r}"
                rejected.append({"index": index, "error": error})
                continue
            try:
                row = enrich(
                    event,
                    received_us,
                    sender.user_agent,
                    sender.ip,
                    self.geo,
                    site.store_raw_ip,
                    index,
                )
            except ValueError as exc:  # e.g. a timestamp outside 2000–2100
                rejected.append({"index": index, "error": str(exc)})
                continue
            per_site[event.tracking_id] += 1
            rows.append(row)
            rejected.extend(notes)
        if not rows:
            return _answer(400, {"accepted": 0, "rejected": rejected}, cors)
        rates = {}
        for tracking_id in per_site:
            site = self.sites.get(tracking_id)
            rates[tracking_id] = (site.rate_limit_eps if site else None) or (
                self.settings.rate_limit_eps
            )
        over, wait = self.limiter.try_take_all(per_site, rates)
        if over is not None:
            error = f"rate limit of {rates[over]} events/s exceeded for {over!r}"
            return _answer(429, {"error": error}, {**cors, "Retry-After": str(math.ceil(wait))})
        frame_no, pending = self.wal.write(rows)
        self.flusher.notify(pending)
        await self.commit.durable(frame_no)
        return _answer(202, {"accepted": len(rows), "rejected": rejected}, cors)
