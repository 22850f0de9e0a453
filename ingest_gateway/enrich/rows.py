"""One validated event → one enriched row in the lake's column order (what the WAL stores)."""

from __future__ import annotations

import datetime as dt
import hashlib

import orjson

from ingest_gateway.contract import Event
from ingest_gateway.enrich.channels import channel_for
from ingest_gateway.enrich.geo import GeoLocator, anonymize_ip, normalize_ip
from ingest_gateway.enrich.ua import parse_user_agent
from ingest_gateway.enrich.urls import parse_page, referrer_host
from lake.storage import WalRow

__all__ = ["enrich"]


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_ONE_US = dt.timedelta(microseconds=1)


#: Accepted event times: 2000-01-01 up to 2100-01-01 (UTC), in epoch microseconds.
MIN_EVENT_US, MAX_EVENT_US = 946_684_800_000_000, 4_102_444_800_000_000


def _to_us(ts: dt.datetime | float) -> int:
    """Epoch microseconds of a timestamp (a datetime or epoch milliseconds).

    Raises ``ValueError`` outside 2000–2100: such clocks are broken, and their values
    would not fit the lake's timestamp columns.
    """
    if isinstance(ts, dt.datetime):
        if ts.tzinfo is None:
            ts = ts.replace(tzinfo=dt.UTC)
        us = (ts - _EPOCH) // _ONE_US
    elif abs(ts) < 1e16:
        us = int(ts * 1000)  # epoch milliseconds
    else:
        us = -1
    if not MIN_EVENT_US <= us < MAX_EVENT_US:
        raise ValueError("timestamp out of range: expected a time between 2000 and 2100")
    return us


def _event_id(e: Event, event_us: int, url: str | None, index: int | None) -> str:
    """Deterministic id for events sent without one, so a re-sent batch dedups.

    An event without a timestamp is stamped when received, so two alike events in one
    batch would get one id: the position in the batch (``index``) tells them apart.
    """
    parts = [e.tracking_id, e.client_id, e.event_type, e.event_name or "", str(event_us), url or ""]
    if index is not None:
        parts.append(str(index))
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


_COUNTRY_ONLY = GeoLocator()


def enrich(
    e: Event,
    received_us: int,
    header_ua: str | None,
    header_ip: str | None,
    geo: GeoLocator = _COUNTRY_ONLY,
    keep_raw_ip: bool = False,
    index: int = 0,
) -> WalRow:
    """Enrich a decoded, validated event into a :class:`WalRow` (what the WAL stores).

    The IP is stored anonymized (/24, /48) unless the site opted in (``keep_raw_ip``);
    anything that is not an address is stored as null.  ``index`` is the event's
    position in its request (see :func:`_event_id`).
    Raises ``ValueError`` for a timestamp outside 2000–2100.
    """
    ctx = e.context
    page = e.page
    url = page.url if page else None
    ref = page.referrer if page else None
    stamped = e.timestamp is not None
    event_us = _to_us(e.timestamp) if stamped else received_us
    info = parse_page(url)
    ref_host = referrer_host(ref)
    if ref_host and info.host and ref_host == info.host.removeprefix("www."):
        ref_host = None  # internal navigation is not a traffic source
    utm = info.utm
    ua = parse_user_agent((ctx.user_agent if ctx else None) or header_ua)
    ip = (ctx.ip if ctx else None) or header_ip
    rev = e.revenue
    exp = e.experiment
    eng = e.engagement if e.event_type == "engagement" else None
    country, region, city = geo.locate(ip)
    return WalRow(
        event_id=e.event_id or _event_id(e, event_us, url, None if stamped else index),
        tracking_id=e.tracking_id,
        client_id=e.client_id,
        session_hint=e.session_id,
        user_id=e.user_id,
        event_type=e.event_type,
        event_name=e.event_name,
        event_at=event_us,
        received_at=received_us,
        page_url=url,
        page_title=page.title if page else None,
        page_referrer=ref,
        page_host=info.host,
        page_path=info.path,
        referrer_host=ref_host,
        utm_source=utm.get("utm_source"),
        utm_medium=utm.get("utm_medium"),
        utm_campaign=utm.get("utm_campaign"),
        utm_term=utm.get("utm_term"),
        utm_content=utm.get("utm_content"),
        channel=channel_for(utm.get("utm_source"), utm.get("utm_medium"), ref_host),
        properties=orjson.dumps(e.properties).decode() if e.properties else None,
        revenue_amount=rev.amount if rev else None,
        revenue_currency=rev.currency if rev else None,
        transaction_id=rev.transaction_id if rev else None,
        experiment_id=exp.id if exp else None,
        experiment_variant=exp.variant if exp else None,
        screen=ctx.screen if ctx else None,
        language=ctx.language if ctx else None,
        client_timezone=ctx.timezone if ctx else None,
        ip=normalize_ip(ip) if keep_raw_ip else anonymize_ip(ip),
        country=country,
        region=region,
        city=city,
        device=ua.device,
        browser=ua.browser,
        browser_version=ua.browser_version,
        os=ua.os,
        os_version=ua.os_version,
        is_bot=ua.is_bot,
        engaged_ms=eng.engaged_ms if eng else None,
        scroll_depth=eng.scroll_depth if eng else None,
        is_interactive=None if e.interactive else False,
    )
