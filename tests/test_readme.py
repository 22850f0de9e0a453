"""The README opens with the two commands and documents every setting."""

from __future__ import annotations

from pathlib import Path

from lake.settings import SETTINGS_DOC

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_readme_starts_with_make_demo_and_make_test() -> None:
    commands = [
        line.split("#")[0].strip() for line in README.splitlines()[:10] if line.startswith("make ")
    ]
    assert commands == ["make demo", "make test"]


def test_every_setting_is_documented_in_the_readme() -> None:
    missing = [name for name in SETTINGS_DOC if f"`{name}`" not in README]
    assert missing == []
