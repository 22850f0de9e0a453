"""The docs stay honest: README opens with the two commands, every setting is in the
operations page (the generated table, verbatim), every relative link resolves, and
nothing points outside the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from lake.settings import settings_markdown

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
PAGES = [ROOT / "README.md", ROOT / "serving/web/README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: The steering folder beside the checkout (spelled in two parts so this file is no hit).
OUTSIDE = "../" + "shared"
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def test_readme_starts_with_make_demo_and_make_test() -> None:
    commands = [
        line.split("#")[0].strip() for line in README.splitlines()[:10] if line.startswith("make ")
    ]
    assert commands == ["make demo", "make test"]


def test_readme_is_a_front_door() -> None:
    assert len(README.splitlines()) <= 120


def test_the_operations_page_holds_the_generated_settings_table() -> None:
    # regenerate with: .venv/bin/python -m lake.settings
    assert settings_markdown() in (ROOT / "docs" / "operations.md").read_text()


def _anchors(page: Path) -> set[str]:
    text, fence = [], False
    for line in page.read_text().splitlines():
        fence = fence != line.startswith("```")
        if not fence and line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            text.append(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return set(text)


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_relative_link_resolves(page: Path) -> None:
    broken = []
    for target in LINK.findall(page.read_text()):
        if re.match(r"[a-z]+://|mailto:", target):
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        missing_anchor = bool(anchor) and resolved.suffix == ".md"
        if not resolved.exists() or (missing_anchor and anchor not in _anchors(resolved)):
            broken.append(target)
    assert broken == []


def test_nothing_in_the_repository_points_outside_it() -> None:
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    offenders = [
        name
        for name in tracked
        if (ROOT / name).is_file() and OUTSIDE in (ROOT / name).read_text(errors="ignore")
    ]
    assert offenders == []
