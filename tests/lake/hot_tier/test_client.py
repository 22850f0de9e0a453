"""A query that fails half way through its output leaves nothing for the next one."""

from __future__ import annotations

from pathlib import Path

import pytest

from lake.hot_tier import hot_tier
from lake.settings import Settings

FAILS_MID_OUTPUT = [
    "SELECT number FROM numbers(2000000) SETTINGS max_result_rows = 1000000, "
    "result_overflow_mode = 'throw'",
    "SELECT number, throwIf(number = 500000) FROM numbers(2000000)",
]


@pytest.mark.parametrize("failing", FAILS_MID_OUTPUT)
def test_the_next_query_after_a_failed_one_gets_only_its_own_rows(
    tmp_path: Path, failing: str
) -> None:
    settings = Settings.from_env({"STRATA_HOME": str(tmp_path)})
    with pytest.raises(Exception, match=r"Code: 39[56]"), hot_tier(settings) as client:
        client.raw_query(failing)
    with hot_tier(settings) as client:
        assert client.raw_query("SELECT 42") == b"42\n"
        assert client.query("SELECT 7").result_rows == [(7,)]
