"""The dbt project as Dagster sees it: a parsed manifest and how its nodes are named.

The manifest is parsed once per version of the project's files (``dbt parse`` through
the launcher, which needs no connection) and kept under ``dbt_project/target/manifests/``
keyed by a hash of those files, so every process loading the definitions shares it and a
changed model is picked up at the next load.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster import AssetKey
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

from orchestration.lib.dbt_launcher import DBT_PROJECT_DIR

__all__ = ["WAREHOUSE_GROUP", "StrataDbtTranslator", "prepared_manifest", "project_fingerprint"]

#: The Dagster group of every dbt model.
WAREHOUSE_GROUP = "warehouse"

_SOURCES = ("dbt_project.yml", "profiles.yml", "models", "macros", "tests")


def project_fingerprint(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """A hash of the dbt project's own files (models, macros, tests, configuration)."""
    digest = hashlib.sha256()
    for name in _SOURCES:
        root = project_dir / name
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            digest.update(str(path.relative_to(project_dir)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def prepared_manifest(project_dir: Path = DBT_PROJECT_DIR) -> Path:
    """``manifest.json`` of the project as it is now, parsing it first when needed."""
    cache = project_dir / "target" / "manifests"
    manifest = cache / project_fingerprint(project_dir) / "manifest.json"
    if manifest.exists():
        return manifest
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one process parses; the others then read it
        if not manifest.exists():
            _parse_into(manifest, project_dir)
    return manifest


def _parse_into(manifest: Path, project_dir: Path) -> None:
    with tempfile.TemporaryDirectory(dir=manifest.parent.parent) as scratch:
        env = {
            **os.environ,
            "DBT_TARGET_PATH": scratch,
            "DBT_LOG_PATH": scratch,
            "DBT_PROJECT_DIR": str(project_dir),
            "DBT_PROFILES_DIR": str(project_dir),
        }
        done = subprocess.run(
            [sys.executable, "-m", "orchestration.lib.dbt_launcher", "parse", "--no-partial-parse"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"dbt parse failed:\n{done.stdout}\n{done.stderr}")
        manifest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(Path(scratch) / "manifest.json"), manifest)


class StrataDbtTranslator(DagsterDbtTranslator):
    """dbt models keyed ``[<folder>, <model>]`` (``marts/site_traffic_daily``) in the
    warehouse group; sources keyed by their ``meta.dagster.asset_key`` (the hot tier's
    ``clickhouse/events`` and ``clickhouse/sessions``), so the graph is one lineage."""

    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        """``[<folder>, <name>]`` for a model; the default (meta) key otherwise."""
        if dbt_resource_props["resource_type"] == "model":
            fqn = dbt_resource_props["fqn"]
            folder = fqn[1] if len(fqn) > 2 else "models"
            return AssetKey([folder, dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        """Every model in the warehouse group."""
        return WAREHOUSE_GROUP
