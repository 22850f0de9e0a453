"""dbt on Strata's hot tier: the embedded chdb engine (holding its lease) or a server.

dbt-clickhouse connects with ``clickhouse_connect.get_client(host=…, port=…)``.  In
embedded mode only one process may hold the chdb data path, so this launcher takes the
hot-tier lease (a running API or Dagster process hands the engine over), points every
client dbt opens at ``chdb://<path>`` (its settings kept, host and credentials ignored)
and runs dbt in this process.  With a server URL it only fills the ``server`` target's
connection variables from ``STRATA_CLICKHOUSE_URL`` and runs dbt.

Run as ``strata dbt <dbt args>`` or ``strata-dbt <dbt args>`` (the executable Dagster's
``DbtCliResource`` calls).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import clickhouse_connect

from lake.hot_tier import hot_tier
from lake.settings import Settings

__all__ = ["DBT_PROJECT_DIR", "dbt_environment", "dbt_target_dir", "main", "run_dbt"]

#: The dbt project shipped with Strata (``dbt_project/`` beside the packages).
DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"


def dbt_target_dir(settings: Settings) -> Path:
    """Where dbt writes compiled SQL, ``manifest.json`` and run results for this home."""
    return settings.home / "dbt" / "target"


def dbt_environment(settings: Settings) -> dict[str, str]:
    """Environment variables ``profiles.yml`` reads for ``settings``' hot tier.

    Embedded mode uses the ``embedded`` target (its host is never dialled); a server URL
    selects the ``server`` target with host, port, user, password, database and TLS
    taken from the URL, unless the operator set them explicitly.
    """
    env = {
        "DBT_PROJECT_DIR": str(DBT_PROJECT_DIR),
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
        # compiled SQL, manifest and logs beside the rest of this installation's state
        "DBT_TARGET_PATH": str(dbt_target_dir(settings)),
        "DBT_LOG_PATH": str(settings.home / "dbt" / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    if settings.is_embedded_clickhouse:
        env["STRATA_DBT_TARGET"] = "embedded"
        return env
    url = urlsplit(settings.clickhouse_url)
    secure = url.scheme == "https"
    env.update(
        STRATA_DBT_TARGET="server",
        STRATA_CLICKHOUSE_HOST=url.hostname or "localhost",
        STRATA_CLICKHOUSE_PORT=str(url.port or (8443 if secure else 8123)),
        STRATA_CLICKHOUSE_USER=unquote(url.username or "default"),
        STRATA_CLICKHOUSE_PASSWORD=unquote(url.password or ""),
        STRATA_CLICKHOUSE_DATABASE=url.path.strip("/") or "default",
        STRATA_CLICKHOUSE_SECURE="true" if secure else "false",
    )
    return env


def run_dbt(args: list[str], settings: Settings | None = None) -> int:
    """Run dbt with ``args`` against the hot tier; returns dbt's exit code (0 ok, 1 failed
    models or tests, 2 an error)."""
    if args == ["--version"]:  # asked before every Dagster dbt run: skip dbt's ~5 s import
        print(f"Core:\n  - installed: {version('dbt-core')}\n\nPlugins:")
        print(f"  - clickhouse: {version('dbt-clickhouse')}")
        return 0
    settings = settings or Settings.from_env()
    for key, value in dbt_environment(settings).items():
        os.environ.setdefault(key, value)
    if not settings.is_embedded_clickhouse or not _connects(args):
        return _invoke(args)
    strata_settings, dsn = settings, settings.clickhouse_url
    real_get_client = clickhouse_connect.get_client
    lease, taking, held = contextlib.ExitStack(), threading.Lock(), threading.Event()

    def embedded_client(*args: Any, settings: dict | None = None, **kw: Any) -> Any:
        if "dsn" in kw:  # the lease itself opening the engine: as asked
            return real_get_client(*args, settings=settings, **kw)
        # dbt's: the engine's lease taken at dbt's first connection, not before its ~5 s
        # of imports and parsing (refreshes' loads wait only for dbt's SQL)
        with taking:
            if not held.is_set():
                lease.enter_context(hot_tier(strata_settings))
                held.set()
        return real_get_client(dsn=dsn, settings=settings or {})

    # dbt-clickhouse looks get_client up on the module when it connects
    clickhouse_connect.get_client = embedded_client
    try:
        with lease:  # held (the engine open in this process) from dbt's first connection on
            return _invoke(args)
    finally:
        clickhouse_connect.get_client = real_get_client


#: dbt commands that never open a connection: they run without taking the engine.
_OFFLINE = {"parse", "ls", "list", "deps", "clean", "init", "--version", "--help", "-h"}


def _connects(args: list[str]) -> bool:
    command = next((a for a in args if not a.startswith("-") or a in _OFFLINE), None)
    return command not in _OFFLINE and "--help" not in args and "-h" not in args


def _invoke(args: list[str]) -> int:
    from dbt.cli.main import dbtRunner  # imported after get_client is replaced

    result = dbtRunner().invoke(args)
    if result.exception is not None:
        return 2
    return 0 if result.success else 1


def main(argv: list[str] | None = None) -> None:
    """Console entry point: ``strata-dbt build``, ``strata-dbt --version`` …"""
    sys.exit(run_dbt(list(sys.argv[1:] if argv is None else argv)))


if __name__ == "__main__":
    main()
