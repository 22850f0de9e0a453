"""Umami's collector (``POST /api/send``): ``{"type": "event", "payload": {…}}``.

The site is ``payload.website``; ``type: "identify"`` is an identify record (Umami's
``umami.identify``), otherwise a payload without ``name`` is a pageview;
``payload.id`` (Umami's distinct id) is the user, and the visitor is a hash of site,
IP and user agent as Umami does.  ``url`` may be a path: it is joined to
``hostname``.
"""

from __future__ import annotations

from typing import Any

from ingest_gateway.compat.common import anonymous_client_id, flat_properties, text

__all__ = ["umami_event"]


def umami_event(body: Any, ip: str | None, user_agent: str | None) -> dict[str, Any]:
    """The contract-v1 event of one Umami request."""
    if not isinstance(body, dict) or not isinstance(body.get("payload"), dict):
        return {}
    p = body["payload"]
    site = text(p.get("website"))
    ip = p.get("ip") if isinstance(p.get("ip"), str) else ip
    url = p.get("url")
    host = p.get("hostname")
    if isinstance(url, str) and url.startswith("/") and isinstance(host, str):
        url = f"https://{host}{url}"
    name = text(p.get("name"))
    event: dict[str, Any] = {
        "tracking_id": site,
        "client_id": anonymous_client_id(str(site), ip, user_agent),
        "user_id": text(p.get("id")) or None,
        "page": {
            k: v
            for k, v in {"url": url, "title": p.get("title"), "referrer": p.get("referrer")}.items()
            if isinstance(v, str) and v
        },
        "context": {
            k: v
            for k, v in {"screen": p.get("screen"), "language": p.get("language"), "ip": ip}.items()
            if isinstance(v, str)
        },
        "properties": flat_properties(p.get("data")),
    }
    if body.get("type") == "identify":  # who the visitor is: not a view, not an action
        event["event_type"] = "identify"
    elif name:
        event.update(event_type="event", event_name=name)
    else:
        event["event_type"] = "pageview"
    return {k: v for k, v in event.items() if v is not None}
