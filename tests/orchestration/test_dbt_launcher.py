"""``strata-dbt`` on the embedded engine: the engine's lease is taken when dbt first
connects (not during its imports and parsing, seconds a refresh's load would wait) and
given back when dbt is done."""

from __future__ import annotations

import dataclasses
import threading

import clickhouse_connect
import pytest

from lake.hot_tier import HotTierBusyError, hot_tier
from lake.settings import Settings
from orchestration.lib import dbt_launcher
from tests.conftest import Env


def _free_for_others(settings: Settings, wait_s: float) -> bool:
    """Whether another thread of this process gets the engine within ``wait_s``."""
    quick = dataclasses.replace(settings, clickhouse_lock_timeout_seconds=wait_s)
    found: list[bool] = []

    def ask() -> None:
        try:
            with hot_tier(quick) as client:
                client.query("SELECT 1")
            found.append(True)
        except HotTierBusyError:
            found.append(False)

    thread = threading.Thread(target=ask)
    thread.start()
    thread.join()
    return found[0]


def test_the_lease_is_taken_at_dbts_first_connection(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, bool]] = []

    def dbt(args: list[str]) -> int:  # stands in for dbt: parses, then connects
        seen.append(("parsing", _free_for_others(env.settings, 60)))
        client = clickhouse_connect.get_client(host="ignored", port=1)
        assert client.query("SELECT 41 + 1").result_rows == [(42,)]
        seen.append(("running", _free_for_others(env.settings, 0.5)))
        return 0

    monkeypatch.setattr(dbt_launcher, "_invoke", dbt)
    # run_dbt fills dbt's variables into the environment (a CLI process's own): set
    # here, so they are this test's and undone after it
    for name, value in dbt_launcher.dbt_environment(env.settings).items():
        monkeypatch.setenv(name, value)
    assert dbt_launcher.run_dbt(["build"], env.settings) == 0
    assert seen == [("parsing", True), ("running", False)]
    assert _free_for_others(env.settings, 60)  # given back
