"""GA4-style default channel grouping, as one ordered rule table.

A visit's *source* is its ``utm_source`` or, without one, its referrer's host; its
*medium* is ``utm_medium``, else ``referral`` for an external referrer, else
``(none)``.  The first rule that matches names the channel.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

__all__ = ["CHANNELS", "RULES", "channel_for", "source_category"]

_SEARCH = {"google", "bing", "duckduckgo", "yahoo", "baidu", "yandex", "ecosia", "naver", "qwant"}
_SOCIAL = {
    "facebook",
    "fb",
    "instagram",
    "twitter",
    "x",
    "t",
    "linkedin",
    "lnkd",
    "reddit",
    "pinterest",
    "tiktok",
    "mastodon",
    "threads",
    "snapchat",
}
_VIDEO = {"youtube", "vimeo", "twitch", "dailymotion"}
_EMAIL = {"email", "e-mail", "e_mail", "e mail", "newsletter"}
_CATEGORY_HOSTS = {"t.co": "social", "lnkd.in": "social", "youtu.be": "video"}

_PAID = re.compile(r"^(.*cp.*|ppc|retargeting|paid.*)$")
_DISPLAY = re.compile(r"^(display|banner|expandable|interstitial|cpm)$")
_SOCIAL_MEDIUM = re.compile(
    r"^(social|social-network|social-media|sm|social network|social media)$"
)


def source_category(source: str) -> str | None:
    """``search``, ``social``, ``video``, ``email`` or None for a source name or host."""
    if source in _CATEGORY_HOSTS:
        return _CATEGORY_HOSTS[source]
    if source in _EMAIL:
        return "email"
    labels = set(source.split("."))
    for category, names in (("search", _SEARCH), ("social", _SOCIAL), ("video", _VIDEO)):
        if (labels if "." in source else {source}) & names:
            return category
    return None


@dataclass(frozen=True)
class Rule:
    """Channel when the source category is in ``categories`` and/or the medium matches."""

    channel: str
    categories: frozenset[str] = frozenset()
    medium: re.Pattern[str] | None = None
    both: bool = True  # True: category AND medium; False: category OR medium


def _m(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


#: Ordered like GA4's rules: paid before organic, specific before general.
RULES: tuple[Rule, ...] = (
    Rule("Direct", medium=_m(r"^\(none\)$|^\(not set\)$"), categories=frozenset({"direct"})),
    Rule("Paid Search", frozenset({"search"}), _PAID),
    Rule("Paid Social", frozenset({"social"}), _PAID),
    Rule("Display", medium=_DISPLAY, both=False),
    Rule("Paid Other", medium=_PAID, both=False),
    Rule("Organic Search", frozenset({"search"}), _m(r"^organic$"), both=False),
    Rule("Organic Social", frozenset({"social"}), _SOCIAL_MEDIUM, both=False),
    Rule("Organic Video", frozenset({"video"}), _m(r"^(.*video.*)$"), both=False),
    Rule("Email", frozenset({"email"}), _m(r"^(email|e-mail|e_mail|e mail)$"), both=False),
    Rule("Affiliates", medium=_m(r"^affiliate$"), both=False),
    Rule("Referral", medium=_m(r"^(referral|app|link)$"), both=False),
)

CHANNELS: tuple[str, ...] = (*(r.channel for r in RULES), "Unassigned")


@functools.lru_cache(maxsize=10_000)
def channel_for(utm_source: str | None, utm_medium: str | None, referrer_host: str | None) -> str:
    """The default channel group of one visit (see the module docstring for inputs)."""
    source = (utm_source or referrer_host or "(direct)").lower()
    medium = (utm_medium or ("referral" if referrer_host else "(none)")).lower()
    category = "direct" if source == "(direct)" else source_category(source)
    for rule in RULES:
        cat_ok = category in rule.categories
        med_ok = bool(rule.medium and rule.medium.match(medium))
        if (cat_ok and med_ok) if rule.both else (cat_ok or med_ok):
            return rule.channel
    return "Unassigned"
