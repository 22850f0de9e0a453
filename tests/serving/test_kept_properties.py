"""Custom properties kept as columns of the hot tier's ``events`` (``STRATA_HOT_PROPERTIES``):
the hand-worked property answers of :mod:`tests.serving.test_raw_dimensions`, again, with
``plan`` and ``seats`` read from ``prop_plan``/``prop_seats`` on ClickHouse (DuckDB, which
has no such columns, alongside); and proof that the columns are what ClickHouse reads."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from lake.settings import Settings
from serving.analyses.funnels import render_funnel_rows
from serving.backends import ClickHouseBackend
from serving.definitions import FunnelBody, funnel_spec
from tests.engines import two_engines
from tests.serving.test_raw_dimensions import (  # collected here too, with this module's apis
    EVENTS,
    test_a_custom_property_breakdown,
    test_numeric_property_filters,
)

__all__ = ["test_a_custom_property_breakdown", "test_numeric_property_filters"]


@pytest.fixture(scope="module")
def apis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, TestClient]]:
    with two_engines(tmp_path_factory, EVENTS, STRATA_HOT_PROPERTIES="plan,seats") as both:
        yield both


def test_the_kept_columns_are_what_clickhouse_reads(
    apis: tuple[TestClient, TestClient],
) -> None:
    import datetime as dt

    dialect = ClickHouseBackend(Settings.from_env()).dialect
    assert dialect.hot_properties == {"plan", "seats"}
    spec = funnel_spec(
        FunnelBody.model_validate(
            {"steps": [{"event_type": "pageview"}, {"filters": {"plan": "pro"}}]}
        )
    )
    day = dt.date(2026, 3, 1)
    sql = render_funnel_rows(spec, "ST-TEST", "UTC", day, day, dialect).sql
    assert "coalesce(prop_plan, '')" in sql and "properties[" not in sql
    # and the answer through the API: a (pageview) then b's "pro" share at 11:02
    answer = apis[0].post(
        "/api/v1/funnels/analysis",
        json={
            "tracking_id": "ST-TEST",
            "date_range": {"start": "2026-03-01", "end": "2026-03-01"},
            "steps": [{"event_type": "pageview"}, {"filters": {"plan": "pro"}}],
        },
    )
    assert answer.status_code == 200, answer.text
    assert [s["users"] for s in answer.json()["steps"]] == [4, 2]
