"""Experiments on built visitors: counts worked by hand, statistics checked against
statsmodels and SciPy run on the same per-visitor values (an independent implementation
of each test), on both engines.

Experiment ``exp-checkout`` on 2026-03-02 (UTC site), goal: a purchase.

    A  100 visitors, the first 10 buy (revenue 10, 11 … 19); and ``pre``, who bought
       before being exposed (not a conversion): 101 exposed, 10 converted
    B  100 visitors, the first 20 buy (revenue 20, 21 … 39)
    C  80 visitors, the first 8 buy (revenue 15, 16 … 22)
    ``mix`` saw B then A and bought for 30: left out by default, in B with ``first``
    a bot in B who buys: never counted
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint, proportions_ztest
from statsmodels.stats.weightstats import DescrStatsW

from serving.analyses.experiment_stats import VariantTotals, compare_variants, holm
from tests.engines import two_engines
from tests.serving.events_by_hand import BOT_UA, ev

DAY = "2026-03-02"
PLAN = {"A": (100, 10, 10), "B": (100, 20, 20), "C": (80, 8, 15)}  # visitors, buyers, first amount


def _exposed(client: str, when: str, variant: str, **extra: object) -> dict:
    return ev(client, f"{DAY} {when}", path="/checkout", **extra) | {
        "experiment": {"id": "exp-checkout", "variant": variant}
    }


def _purchase(client: str, when: str, amount: float, variant: str | None, **extra: object) -> dict:
    event = ev(
        client, f"{DAY} {when}", "purchase", "/checkout", revenue={"amount": amount}, **extra
    )
    if variant:
        event["experiment"] = {"id": "exp-checkout", "variant": variant}
    return event


def _events() -> list[dict]:
    events = []
    for variant, (visitors, buyers, first) in PLAN.items():
        for i in range(visitors):
            client = f"{variant}{i:03d}"
            events.append(_exposed(client, "10:00:00", variant))
            if i < buyers:
                events.append(_purchase(client, "10:30:00", first + i, variant))
    events.append(_purchase("pre", "09:00:00", 99, None))
    events.append(_exposed("pre", "10:00:00", "A"))
    events += [_exposed("mix", "10:00:00", "B"), _exposed("mix", "11:00:00", "A")]
    events.append(_purchase("mix", "12:00:00", 30, "A"))
    events += [
        _exposed("bot", "10:00:00", "B", ua=BOT_UA),
        _purchase("bot", "10:01:00", 5, "B", ua=BOT_UA),
    ]
    return events


def _revenues(variant: str) -> np.ndarray:
    visitors, buyers, first = PLAN[variant]
    values = [first + i for i in range(buyers)] + [0] * (visitors - buyers)
    return np.array(values + ([0] if variant == "A" else []), dtype=float)  # ``pre`` in A


@pytest.fixture(scope="module")
def apis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, TestClient]]:
    with two_engines(tmp_path_factory, _events()) as clients:
        yield clients


def _experiment(api: TestClient, **params: str) -> dict:
    answer = api.get(
        "/api/v1/experiments/exp-checkout",
        params={"tracking_id": "ST-TEST", "start_date": DAY, "end_date": DAY,
                "goal_event_type": "purchase", **params},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
def test_variants_count_exposures_and_conversions_after_exposure(
    apis: tuple[TestClient, TestClient], engine: int
) -> None:
    answer = _experiment(apis[engine])
    found = {v["variant"]: (v["visitors"], v["conversions"]) for v in answer["variants"]}
    assert found == {"A": (101, 10), "B": (100, 20), "C": (80, 8)}
    assert answer["control"] == "A" and answer["excluded_visitors"] == 1
    revenue = {v["variant"]: v["revenue_per_visitor"] for v in answer["variants"]}
    assert revenue == pytest.approx({v: _revenues(v).mean() for v in PLAN}, rel=1e-9)


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
def test_statistics_match_statsmodels_and_scipy(
    apis: tuple[TestClient, TestClient], engine: int
) -> None:
    answer = _experiment(apis[engine])
    variants = {v["variant"]: v for v in answer["variants"]}
    for name, v in variants.items():
        lo, hi = proportion_confint(v["conversions"], v["visitors"], alpha=0.05, method="normal")
        assert v["conversion_rate_ci"] == pytest.approx([lo, hi], rel=1e-8)
        rlo, rhi = DescrStatsW(_revenues(name)).tconfint_mean(alpha=0.05)
        assert v["revenue_per_visitor_ci"] == pytest.approx([rlo, rhi], rel=1e-8)
    comparisons = {c["variant"]: c for c in answer["comparisons"]}
    raw_conv, raw_rev = [], []
    for name in ("B", "C"):
        c, a = variants[name], variants["A"]
        _, p = proportions_ztest(
            [c["conversions"], a["conversions"]], [c["visitors"], a["visitors"]]
        )
        welch = stats.ttest_ind(_revenues(name), _revenues("A"), equal_var=False).pvalue
        got = comparisons[name]
        assert got["status"] == "ok" and got["against"] == "A"
        assert got["p_value_conversion"] == pytest.approx(p, rel=1e-8)
        assert got["p_value_revenue"] == pytest.approx(welch, rel=1e-8)
        assert got["lift_abs"] == pytest.approx(c["conversions"] / c["visitors"] - 10 / 101)
        assert got["lift_rel"] == pytest.approx((c["conversions"] / c["visitors"]) / (10 / 101) - 1)
        raw_conv.append(p)
        raw_rev.append(welch)
    for kind, raw in (("conversion", raw_conv), ("revenue", raw_rev)):
        adjusted = multipletests(raw, method="holm")[1]
        for name, expected in zip(("B", "C"), adjusted, strict=True):
            assert comparisons[name][f"p_value_{kind}_holm"] == pytest.approx(expected, rel=1e-8)
    srm = stats.chisquare([101, 100, 80]).pvalue
    assert answer["sample_ratio_mismatch"]["p_value"] == pytest.approx(srm, rel=1e-8)
    assert answer["sample_ratio_mismatch"]["warning"] is bool(srm < 0.001) is False
    assert answer["method"]["horizon"] == "fixed"


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
def test_visitors_in_several_variants_kept_in_the_first(
    apis: tuple[TestClient, TestClient], engine: int
) -> None:
    answer = _experiment(apis[engine], multiple="first", control="B")
    found = {v["variant"]: (v["visitors"], v["conversions"]) for v in answer["variants"]}
    assert found == {"A": (101, 10), "B": (101, 21), "C": (80, 8)}
    assert answer["control"] == "B" and answer["visitors_in_several_variants"] == 1
    assert [c["variant"] for c in answer["comparisons"]] == ["A", "C"]


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
def test_too_few_conversions_give_no_p_values(
    apis: tuple[TestClient, TestClient], engine: int
) -> None:
    """Goal: a purchase of 30 or more: A has 0 such buyers, C has 0, B has 10."""
    answer = apis[engine].get(
        "/api/v1/experiments/exp-checkout",
        params={"tracking_id": "ST-TEST", "start_date": DAY, "end_date": DAY,
                "goal_event_name": "none-such"},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "insufficient_data"
    assert all(c["p_value_conversion"] is None for c in body["comparisons"])


def test_experiment_list_and_errors(apis: tuple[TestClient, TestClient]) -> None:
    listed = apis[0].get(
        "/api/v1/experiments", params={"tracking_id": "ST-TEST", "start_date": DAY, "end_date": DAY}
    )
    assert listed.status_code == 200, listed.text
    assert listed.json() == [
        {
            "experiment_id": "exp-checkout",
            "variants": {"A": 102, "B": 101, "C": 80},
            "first_seen": DAY,
            "last_seen": DAY,
        }
    ]
    base = {"tracking_id": "ST-TEST", "start_date": DAY, "end_date": DAY}
    missing_goal = apis[0].get("/api/v1/experiments/exp-checkout", params=base)
    assert missing_goal.status_code == 400 and "goal" in missing_goal.json()["detail"]
    unknown = apis[0].get(
        "/api/v1/experiments/nope", params={**base, "goal_event_type": "purchase"}
    )
    assert unknown.status_code == 404
    bad_control = apis[0].get(
        "/api/v1/experiments/exp-checkout",
        params={**base, "goal_event_type": "purchase", "control": "Z"},
    )
    assert bad_control.status_code == 400 and "control" in bad_control.json()["detail"]


def test_a_lopsided_split_warns_of_sample_ratio_mismatch() -> None:
    split = [VariantTotals("A", 1000, 100), VariantTotals("B", 850, 90)]  # no revenue
    found = compare_variants(split, None)["sample_ratio_mismatch"]
    assert found["p_value"] == pytest.approx(stats.chisquare([1000, 850]).pvalue, rel=1e-8)
    assert found["warning"] is True  # p ~ 0.0005


def test_holm_matches_statsmodels() -> None:
    raw = [0.01, 0.04, 0.03, 0.005, None]
    expected = multipletests([p for p in raw if p is not None], method="holm")[1]
    assert holm(raw)[:4] == pytest.approx(list(expected)) and holm(raw)[4] is None


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
def test_a_segment_narrows_the_experiment(apis: tuple[TestClient, TestClient], engine: int) -> None:
    """Only buyers: ``pre`` bought too (before exposure, so no conversion)."""
    segment = json.dumps({"conditions": [{"did": {"event_type": "purchase"}}]})
    answer = _experiment(apis[engine], segment=segment)
    found = {v["variant"]: (v["visitors"], v["conversions"]) for v in answer["variants"]}
    assert found == {"A": (11, 10), "B": (20, 20), "C": (8, 8)}
    bad = apis[engine].get(
        "/api/v1/experiments/exp-checkout",
        params={"tracking_id": "ST-TEST", "goal_event_type": "purchase", "segment": "{"},
    )
    assert bad.status_code == 400 and "segment" in bad.json()["detail"]


#: Site time zone +05:30: local 2026-03-02..03-04 is UTC 03-01 18:30 .. 03-04 18:30, so
#: UTC 03-02 and 03-03 are whole days inside the range and 03-01 and 03-04 are cut.
#: (client, UTC moment, variant or None for a purchase of 10 × the client's digit)
ZONED = [
    ("z1", "2026-03-01 18:00:00", "A"),  # before the range; again inside it at 19:00
    ("z1", "2026-03-01 18:45:00", None),  # bought inside, before its exposure: no conversion
    ("z1", "2026-03-01 19:00:00", "A"),
    ("z2", "2026-03-01 23:00:00", "B"),  # B on the cut first day, A on a whole day: several
    ("z2", "2026-03-02 10:00:00", "A"),
    ("z3", "2026-03-02 10:00:00", "A"),  # buys on the cut last day, inside: converts
    ("z3", "2026-03-04 18:00:00", None),
    ("z4", "2026-03-04 18:40:00", "B"),  # after the range (local 03-05 00:10): not exposed
    ("z5", "2026-03-03 12:00:00", "B"),  # A only after the range: B, not several
    ("z5", "2026-03-04 18:29:00", None),
    ("z5", "2026-03-04 19:00:00", "A"),
    ("z6", "2026-03-01 18:29:00", "A"),  # same UTC day as the range's start, before it
    ("z7", "2026-03-04 05:00:00", "B"),  # buys after the range: no conversion
    ("z7", "2026-03-04 20:00:00", "B"),
    ("z7", "2026-03-04 21:00:00", None),
]


def _zoned_events() -> list[dict]:
    events = []
    for client, when, variant in ZONED:
        if variant:
            events.append(
                ev(client, when, path="/checkout")
                | {"experiment": {"id": "exp-checkout", "variant": variant}}
            )
        else:
            amount = 10 * int(client[1:])
            events.append(ev(client, when, "purchase", "/checkout", revenue={"amount": amount}))
    return events


@pytest.fixture(scope="module")
def zoned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, TestClient]]:
    with two_engines(tmp_path_factory, _zoned_events(), tz="Asia/Kolkata") as clients:
        yield clients


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
def test_exposures_on_cut_days_count_by_the_moment(
    zoned: tuple[TestClient, TestClient], engine: int
) -> None:
    """Worked from ``ZONED``: A = z1 (no conversion), z3 (30); B = z5 (50), z7; z2 in
    several variants (first B); z4 and z6 never exposed inside the range."""
    params = {"start_date": "2026-03-02", "end_date": "2026-03-04"}
    answer = _experiment(zoned[engine], **params)
    found = {
        v["variant"]: (v["visitors"], v["conversions"], v["revenue_per_visitor"])
        for v in answer["variants"]
    }
    assert found == {"A": (2, 1, 15.0), "B": (2, 1, 25.0)}
    assert answer["excluded_visitors"] == 1
    first = _experiment(zoned[engine], multiple="first", **params)
    found = {v["variant"]: (v["visitors"], v["conversions"]) for v in first["variants"]}
    assert found == {"A": (2, 1), "B": (3, 1)}


def test_whole_days_of_exposures_are_read_from_the_projection(
    zoned: tuple[TestClient, TestClient],
) -> None:
    """The hot tier answers the whole UTC days from ``events``' exposures projection (a
    load keeps it), the cut days from the rows."""
    import datetime as dt

    from lake.hot_tier import hot_tier
    from lake.settings import Settings
    from serving.analyses.experiments import render_experiment
    from serving.backends import ClickHouseBackend
    from serving.conditions import EventCondition

    settings = Settings.from_env()
    rendered = render_experiment(
        "exp-checkout", EventCondition(event_type="purchase"), "ST-TEST", "Asia/Kolkata",
        dt.date(2026, 3, 2), dt.date(2026, 3, 4), ClickHouseBackend(settings).dialect,
    )  # fmt: skip
    with hot_tier(settings) as client:
        plan = client.query("EXPLAIN " + rendered.sql, parameters=rendered.parameters)
    reads = [row[0].strip(" │└─") for row in plan.result_rows if "ReadFromMergeTree" in row[0]]
    assert sorted(reads) == ["ReadFromMergeTree (default.events)"] * 3 + [
        "ReadFromMergeTree (exposures)"
    ]
