"""The API's allocator setting: applied on glibc, left to the operator's own variables."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

_ASK = "from serving.memory import tune_allocator; print(tune_allocator())"


def _run(extra: dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    env.pop("GLIBC_TUNABLES", None)
    result = subprocess.run(
        [sys.executable, "-c", _ASK], env={**env, **extra}, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_set_on_glibc_unless_the_operator_set_malloc_variables() -> None:
    assert _run({}) == "True"
    assert _run({"MALLOC_ARENA_MAX": "2"}) == "False"
    assert _run({"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=1"}) == "False"
