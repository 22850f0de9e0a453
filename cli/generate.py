"""Synthetic traffic for a demo site: realistic enough to make every report interesting.

Diurnal curve, power-law page popularity, returning visitors, UTM campaigns and
referrers, a product → cart → checkout → purchase funnel with drop-off, custom
events and a few bots.  Each generated event is a contract-v1 dict; alongside it
the generator records the channel it *meant* (``labels``), so tests can check the
pipeline against intent rather than against its own enrichment code.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
import zlib
from dataclasses import dataclass, field

__all__ = [
    "CHANNEL_SOURCES",
    "EXPERIMENT",
    "PURCHASE_FUNNEL",
    "PURCHASE_RATE",
    "Traffic",
    "experiment_variant",
    "generate_traffic",
]

#: The demo's running experiment: exposed visitors see variant A or B (50/50 by visitor).
EXPERIMENT = "exp-checkout"
#: The purchase funnel the traffic follows, as a funnel's steps (the reference design's).
PURCHASE_FUNNEL: list[dict] = [
    {"name": "View Product", "event_type": "pageview", "filters": {"page_path": "/products/*"}},
    {"name": "Add to Cart", "event_type": "click", "filters": {"element_id": "add-to-cart"}},
    {"name": "Checkout", "event_type": "pageview", "filters": {"page_path": "/checkout"}},
    {"name": "Purchase", "event_type": "purchase"},
]
#: Chance that a visitor on the checkout page buys: unexposed, variant A, variant B (a
#: known lift of 20% for B).
PURCHASE_RATE = {None: 0.6, "A": 0.6, "B": 0.72}

_UAS = {
    "desktop": [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.4 Safari/605.1.15",
        "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
    ],
    "mobile": [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Mobile Safari/537.36",
    ],
    "tablet": [
        "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.4 Mobile/15E148 Safari/604.1",
    ],
}
_BOT_UAS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/126.0.0.0 Safari/537.36",
]
# First octets of address blocks in a few countries (checked against iptocc).
_IP_BLOCKS = [
    ("3.0.0.", 30),
    ("81.2.69.", 12),
    ("5.9.0.", 12),
    ("80.12.0.", 8),
    ("2.16.0.", 5),
    ("24.114.0.", 6),
    ("133.11.0.", 6),
    ("200.160.2.", 5),
    ("49.36.0.", 8),
    ("1.1.1.", 4),
]

#: Intended channel -> (utm_source, utm_medium, utm_campaign, referrer) of a visit's landing page.
CHANNEL_SOURCES: dict[str, tuple[str | None, str | None, str | None, str | None]] = {
    "Direct": (None, None, None, None),
    "Organic Search": (None, None, None, "https://www.google.com/"),
    "Paid Search": ("google", "cpc", "brand_search", "https://www.google.com/"),
    "Organic Social": (None, None, None, "https://t.co/abc123"),
    "Paid Social": ("facebook", "paid_social", "summer_sale", "https://l.facebook.com/"),
    "Email": ("newsletter", "email", "weekly_digest", None),
    "Referral": (None, None, None, "https://news.ycombinator.com/item?id=1"),
}
_CHANNEL_WEIGHTS = [30, 28, 8, 10, 6, 6, 12]

_PRODUCTS = [f"product-{i:02d}" for i in range(1, 31)]
_ARTICLES = [f"post-{i:03d}" for i in range(1, 61)]


@dataclass
class Traffic:
    """Generated events (contract v1 dicts) and the channel each event's visit meant."""

    events: list[dict] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    bot_clients: set[str] = field(default_factory=set)


def experiment_variant(client_id: str) -> str | None:
    """The variant a visitor sees: four in five visitors are exposed, half to each
    variant, decided by a hash of their id (as a tracking snippet would)."""
    bucket = zlib.crc32(client_id.encode())
    if bucket % 5 == 0:
        return None
    return "A" if (bucket >> 8) % 2 == 0 else "B"


def _page_pool(rng: random.Random) -> tuple[list[str], list[float]]:
    pages = ["/", "/pricing", "/about", "/docs"] + [f"/blog/{a}" for a in _ARTICLES]
    pages += [f"/products/{p}" for p in _PRODUCTS]
    rng.shuffle(pages)
    pages.remove("/")
    pages.insert(0, "/")
    weights = [1.0 / (rank + 1) ** 1.1 for rank in range(len(pages))]  # Zipf-like popularity
    return pages, weights


def _diurnal_hour_weights() -> list[float]:
    # Quiet at night, peaks around 11:00 and 20:00 UTC.
    return [
        0.2 + math.exp(-((h - 11) ** 2) / 8) + 0.8 * math.exp(-((h - 20) ** 2) / 6)
        for h in range(24)
    ]


def _iso(ts: dt.datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


def generate_traffic(
    tracking_id: str = "ST-DEMO",
    *,
    days: int = 7,
    events: int = 200_000,
    end: dt.date | None = None,
    seed: int = 42,
    host: str = "demo.strata.test",
    bot_share: float = 0.02,
) -> Traffic:
    """Generate about ``events`` events over the ``days`` days ending ``end`` (UTC, inclusive).

    Deterministic for a given seed.  Every event has an ``event_id`` only every
    other visit, so both client-supplied and server-derived ids are exercised.
    """
    rng = random.Random(seed)
    end = end or dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    start = dt.datetime.combine(end - dt.timedelta(days=days - 1), dt.time(), dt.UTC)
    pages, weights = _page_pool(rng)
    hour_w = _diurnal_hour_weights()
    channels = list(CHANNEL_SOURCES)
    n_visitors = max(1, events // 12)
    visitors = []
    for i in range(n_visitors):
        is_bot = rng.random() < bot_share
        device = rng.choices(["desktop", "mobile", "tablet"], [55, 38, 7])[0]
        ua = rng.choice(_BOT_UAS) if is_bot else rng.choice(_UAS[device])
        block = rng.choices([b for b, _ in _IP_BLOCKS], [w for _, w in _IP_BLOCKS])[0]
        ip = f"{block}{rng.randint(1, 254)}"
        user = f"user_{i}" if rng.random() < 0.15 else None
        visitors.append((f"c{seed}-{i:07d}", ua, ip, user, is_bot))
    traffic = Traffic(bot_clients={v[0] for v in visitors if v[4]})
    # Returning visitors: visit counts are heavy-tailed.
    visit_cum = list(itertools.accumulate(1.0 / (1 + rng.random() * 9) ** 1.5 for _ in visitors))
    hour_cum = list(itertools.accumulate(hour_w))
    page_cum = list(itertools.accumulate(weights))
    visit_no = 0
    while len(traffic.events) < events:
        client_id, ua, ip, user, is_bot = rng.choices(visitors, cum_weights=visit_cum)[0]
        day = rng.randrange(days)
        hour = rng.choices(range(24), cum_weights=hour_cum)[0]
        t = start + dt.timedelta(days=day, hours=hour, seconds=rng.uniform(0, 3600))
        channel = rng.choices(channels, _CHANNEL_WEIGHTS)[0]
        visit_no += 1
        _visit(
            traffic,
            rng,
            visit_no,
            tracking_id,
            host,
            client_id,
            ua,
            ip,
            user,
            is_bot,
            t,
            channel,
            pages,
            page_cum,
        )
    return traffic


def _visit(
    traffic: Traffic,
    rng: random.Random,
    visit_no: int,
    tracking_id: str,
    host: str,
    client_id: str,
    ua: str,
    ip: str,
    user: str | None,
    is_bot: bool,
    t: dt.datetime,
    channel: str,
    pages: list[str],
    page_cum: list[float],
) -> None:
    source, medium, campaign, referrer = CHANNEL_SOURCES[channel]
    n_pages = 1 if rng.random() < 0.42 else 1 + min(int(rng.expovariate(0.35)), 25)
    path = rng.choices(pages, cum_weights=page_cum)[0]
    funnel = path.startswith("/products/") and not is_bot
    variant = None if is_bot else experiment_variant(client_id)
    with_ids = visit_no % 2 == 0
    prev_url: str | None = referrer

    # Ids carry the visitor and the visit's start, so traffic generated for other days
    # or with another seed never reuses one (an id is one event forever).
    id_prefix = f"{client_id}.{t:%Y%m%d%H%M%S}.v{visit_no}"

    def emit(event: dict) -> None:
        if variant is not None:
            event["experiment"] = {"id": EXPERIMENT, "variant": variant}
        if with_ids:
            event["event_id"] = f"{id_prefix}.{len(traffic.events)}"
        traffic.events.append(event)
        traffic.labels.append(channel)

    for i in range(n_pages):
        query = ""
        if i == 0 and source:
            query = f"?utm_source={source}&utm_medium={medium}&utm_campaign={campaign}"
        url = f"https://{host}{path}{query}"
        base = {
            "tracking_id": tracking_id,
            "client_id": client_id,
            "timestamp": _iso(t),
            "context": {"user_agent": ua, "ip": ip, "language": "en-US", "screen": "1920x1080"},
        }
        if user:
            base["user_id"] = user
        emit(
            {
                **base,
                "event_type": "pageview",
                "page": {"url": url, "title": path, "referrer": prev_url},
            }
        )
        if i == 0 and not is_bot and rng.random() < 0.08:
            t += dt.timedelta(seconds=rng.uniform(2, 40))
            emit(
                {
                    **base,
                    "timestamp": _iso(t),
                    "event_type": "event",
                    "event_name": "signup_click",
                    "page": {"url": url},
                    "properties": {"position": "hero"},
                }
            )
        prev_url = url
        t += dt.timedelta(seconds=min(rng.expovariate(1 / 50), 25 * 60))
        if funnel and path.startswith("/products/") and rng.random() < 0.35:
            emit(  # the reference design's add-to-cart click; the cart opens a second later
                {
                    **base,
                    "timestamp": _iso(t),
                    "event_type": "click",
                    "page": {"url": url},
                    "properties": {"element_id": "add-to-cart"},
                }
            )
            t += dt.timedelta(seconds=1)
            path = "/cart"
        elif funnel and path == "/cart" and rng.random() < 0.55:
            path = "/checkout"
        elif funnel and path == "/checkout" and rng.random() < PURCHASE_RATE[variant]:
            amount = round(rng.uniform(9, 300), 2)
            emit(
                {
                    **base,
                    "timestamp": _iso(t),
                    "event_type": "purchase",
                    "event_name": "purchase",
                    "page": {"url": f"https://{host}/checkout"},
                    "revenue": {
                        "amount": amount,
                        "currency": "USD",
                        "transaction_id": f"T{visit_no}",
                    },
                }
            )
            return
        else:
            path = rng.choices(pages, cum_weights=page_cum)[0]
