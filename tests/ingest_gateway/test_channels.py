"""Default channel grouping: one case per rule, plus the fall-through."""

from __future__ import annotations

import pytest

from ingest_gateway.enrich.channels import CHANNELS, channel_for

CASES = [
    # (utm_source, utm_medium, referrer_host) -> channel
    ((None, None, None), "Direct"),
    (("google", "cpc", None), "Paid Search"),
    (("facebook", "paid_social", None), "Paid Social"),
    (("somesite", "banner", None), "Display"),
    (("partner", "paid", None), "Paid Other"),
    ((None, None, "google.de"), "Organic Search"),
    (("whatever", "organic", None), "Organic Search"),
    ((None, None, "t.co"), "Organic Social"),
    (("myblog", "social", None), "Organic Social"),
    ((None, None, "youtube.com"), "Organic Video"),
    (("newsletter", "email", None), "Email"),
    (("acme", "affiliate", None), "Affiliates"),
    ((None, None, "news.ycombinator.com"), "Referral"),
    (("foo", "bar", None), "Unassigned"),
]


@pytest.mark.parametrize(("inputs", "channel"), CASES, ids=[c for _, c in CASES])
def test_channel_rule(inputs: tuple, channel: str) -> None:
    assert channel_for(*inputs) == channel


def test_every_channel_has_a_case() -> None:
    assert {c for _, c in CASES} == set(CHANNELS)
