"""One settings object, read from STRATA_* variables with embedded defaults."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from lake.settings import Settings, env_var, settings_markdown


def test_defaults_put_everything_under_strata_home(tmp_path: Path) -> None:
    s = Settings.from_env({"STRATA_HOME": str(tmp_path)})
    assert s.lake_uri == str(tmp_path / "lake")
    assert s.clickhouse_url == f"chdb://{tmp_path / 'clickhouse'}"
    assert s.metadata_url == f"sqlite:///{tmp_path / 'metadata.db'}"
    assert s.wal_dir == tmp_path / "wal"
    assert (s.session_timeout_minutes, s.flush_seconds) == (30, 2.0)
    assert s.is_embedded_clickhouse


def test_each_piece_can_be_pointed_elsewhere(tmp_path: Path) -> None:
    s = Settings.from_env(
        {
            "STRATA_HOME": str(tmp_path),
            "STRATA_LAKE_URI": "s3://bucket/prefix",
            "STRATA_CLICKHOUSE_URL": "http://ch:8123",
            "STRATA_SESSION_TIMEOUT_MINUTES": "45",
        }
    )
    assert (s.lake_uri, s.clickhouse_url, s.session_timeout_minutes) == (
        "s3://bucket/prefix",
        "http://ch:8123",
        45,
    )
    assert not s.is_embedded_clickhouse


def test_values_are_parsed_by_the_field_type(tmp_path: Path) -> None:
    s = Settings.from_env(
        {
            "STRATA_HOME": str(tmp_path),
            "STRATA_WAL_FSYNC": "off",
            "STRATA_FLUSH_SECONDS": "0.5",
            "STRATA_PARTITIONS_START": "2024-02-01",
            "STRATA_WAL_DIR": str(tmp_path / "w"),
            "STRATA_GEOIP_CITY_MMDB": "",
        }
    )
    assert (s.wal_fsync, s.flush_seconds, s.partitions_start) == (False, 0.5, dt.date(2024, 2, 1))
    assert (s.wal_dir, s.geoip_city_mmdb) == (tmp_path / "w", None)


def test_every_field_has_a_variable_and_a_row_in_the_docs_table() -> None:
    table = settings_markdown()
    for f in dataclasses.fields(Settings):
        assert f.metadata["doc"]
        assert f"| `{env_var(f.name)}` |" in table
