"""Consecutive groups of bounded size: the chunks a load holds in memory at once."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

__all__ = ["grouped"]

T = TypeVar("T")


def grouped(
    items: Iterable[T], size: Callable[[T], int], max_size: int, max_count: int | None = None
) -> Iterator[list[T]]:
    """``items`` in order, in consecutive groups whose ``size`` adds up to at most
    ``max_size`` (an item over it alone makes a group) and of at most ``max_count``
    items: a load's unit of work, bounded in memory, never empty."""
    group: list[T] = []
    held = 0
    for item in items:
        n = size(item)
        if group and (held + n > max_size or len(group) == max_count):
            yield group
            group, held = [], 0
        group.append(item)
        held += n
    if group:
        yield group
