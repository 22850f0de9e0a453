"""One settings object, read from STRATA_* variables with embedded defaults."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from lake.settings import SETTINGS_DOC, Settings


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


def test_every_field_has_a_documented_variable() -> None:
    names = {f"STRATA_{f.name.upper()}" for f in dataclasses.fields(Settings)}
    assert names == set(SETTINGS_DOC)
