"""npm packages the tests run (other projects' clients and trackers), installed from the
npm registry into ``.cache/`` once and reused between runs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

CACHE = Path(__file__).resolve().parents[1] / ".cache"


def npm_package(name: str, version: str) -> Path:
    """The ``node_modules`` folder holding ``name@version`` (skips the test without npm)."""
    prefix = CACHE / f"npm-{name.strip('@').replace('/', '-')}-{version}"
    modules = prefix / "node_modules"
    if not (modules / name).exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip(f"needs npm (Debian's nodejs/npm) to install {name}")
        prefix.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(prefix),
                "--no-audit",
                "--no-fund",
                "--silent",
                f"{name}@{version}",
            ],
            check=True,
            timeout=300,
        )
    return modules
