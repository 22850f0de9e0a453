"""Country, region and city; IP anonymization and the per-site opt-in to keep raw IPs."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ingest_gateway.enrich.geo import GeoLocator, anonymize_ip
from lake.storage import EVENT_SCHEMA, Lake, LakePaths
from tests.conftest import Env, make_env
from tests.samples import GOOD


def _city_db(path: Path) -> Path:
    """A tiny GeoIP2-City database: 81.2.69.0/24 is London, England."""
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoIP2-City")
    writer.insert_network(
        IPSet(["81.2.69.0/24"]),
        {
            "country": {"iso_code": "GB"},
            "subdivisions": [{"names": {"en": "England"}}],
            "city": {"names": {"en": "London"}},
        },
    )
    writer.to_db_file(str(path))
    return path


def _landed(env: Env) -> list[dict]:
    lake = Lake(env.settings)
    files = lake.list_files(LakePaths(env.settings.lake_uri).landing_events)
    return lake.read_parquet(files, EVENT_SCHEMA).sort("client_id").to_dicts()


def _send(env: Env, ips: list[str]) -> list[dict]:
    from ingest_gateway.app import create_app

    batch = [{**GOOD, "client_id": f"c{i}", "context": {"ip": ip}} for i, ip in enumerate(ips)]
    with TestClient(create_app(env.settings)) as gw:
        assert gw.post("/api/v1/events", json=batch).json()["accepted"] == len(ips)
    return _landed(env)


def test_city_and_region_come_from_an_operator_supplied_mmdb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = _city_db(tmp_path / "city.mmdb")
    env = make_env(tmp_path, monkeypatch, STRATA_GEOIP_CITY_MMDB=str(db))
    london, elsewhere = _send(env, ["81.2.69.142", "5.9.0.10"])
    assert (london["country"], london["region"], london["city"]) == ("GB", "England", "London")
    assert (elsewhere["country"], elsewhere["region"], elsewhere["city"]) == ("DE", None, None)


def test_without_a_database_only_the_country_is_known() -> None:
    assert GeoLocator().locate("81.2.69.142") == ("GB", None, None)
    assert GeoLocator().locate("not an ip") == (None, None, None)


def test_ips_are_anonymized_unless_the_site_opts_in(env: Env) -> None:
    assert anonymize_ip("81.2.69.142") == "81.2.69.0"
    assert anonymize_ip("2001:db8:1:2:3:4:5:6") == "2001:db8:1::"
    assert [r["ip"] for r in _send(env, ["81.2.69.142", "2001:db8:1:2::1"])] == [
        "81.2.69.0",
        "2001:db8:1::",
    ]
    env.store.add_site("ST-TEST", ["shop.example"], rate_limit_eps=1_000_000, store_raw_ip=True)
    rows = _send(env, ["81.2.69.142"])
    assert "81.2.69.142" in [r["ip"] for r in rows]
