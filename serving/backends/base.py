"""The protocol every query backend follows (as httpx's transports do)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from serving.sql import Dialect, RenderedQuery

__all__ = ["Backend", "Result"]


@dataclass(frozen=True)
class Result:
    """Column names and rows of one query."""

    columns: list[str]
    rows: list[tuple[Any, ...]]


class Backend(Protocol):
    """Runs rendered SQL on one engine; ``source`` names it in answers (tier.engine)."""

    dialect: Dialect
    source: str

    def run(self, query: RenderedQuery) -> Result:
        """Rows of ``query``; blocking (routes call it from a worker thread)."""
        ...
