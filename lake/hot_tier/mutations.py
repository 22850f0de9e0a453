"""Deleting rows of a hot-tier table for good: a mutation that rewrites the parts
holding them (the rows are gone from disk, not hidden), waited for."""

from __future__ import annotations

from typing import Any

__all__ = ["delete_where"]


def delete_where(
    client: Any,
    table: str,
    where: str,
    parameters: dict[str, Any] | None = None,
    cluster: str | None = None,
) -> None:
    """``ALTER TABLE … DELETE WHERE where`` on ``table`` (its ``_local`` tables on every
    shard of ``cluster``), with ``where``'s values bound as ``parameters``; returns
    once every replica has rewritten its parts (``mutations_sync = 2``)."""
    target = f"{table}_local ON CLUSTER {cluster}" if cluster else table
    client.command(
        f"ALTER TABLE {target} DELETE WHERE {where}",
        parameters=parameters or {},
        settings={"mutations_sync": 2},
    )
