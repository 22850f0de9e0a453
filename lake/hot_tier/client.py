"""The ClickHouse client for one unit of work.

Embedded mode (``chdb://``) runs the real ClickHouse engine in-process, and only
one process may hold a data path at a time: :func:`hot_tier` leases it (see
:mod:`lake.hot_tier.lease`), so ``strata serve``, ``strata pipeline`` and ``dagster dev``
take turns instead of failing.  With an ``http(s)://`` server URL there is no
lease and no limit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import clickhouse_connect

from lake.hot_tier.lease import lease_for
from lake.settings import Settings

__all__ = ["drain_after_error", "hot_tier"]


@contextmanager
def hot_tier(settings: Settings) -> Iterator[Any]:
    """A ClickHouse client for one unit of work; embedded mode holds the data path meanwhile."""
    url = settings.clickhouse_url
    if not settings.is_embedded_clickhouse:
        client = clickhouse_connect.get_client(dsn=url)
        try:
            yield client
        finally:
            client.close()
        return
    lease = lease_for(Path(url.removeprefix("chdb://")).resolve())
    with lease.client(
        settings.clickhouse_lock_timeout_seconds, settings.clickhouse_idle_release_seconds
    ) as client:
        try:
            yield client
        except BaseException:
            drain_after_error(client)
            raise


def drain_after_error(client: Any) -> None:
    """Clear what a failed query left in the embedded engine's output buffer.

    chdb 4.4 keeps the rows a query had written before it failed (a result limit, a
    timeout, ``throwIf``) and puts them in front of the *next* query's result: another
    caller's answer would start with this one's rows.  One throwaway query takes them.
    """
    with contextlib.suppress(Exception):  # best effort: the caller's own error is what matters
        client.raw_query("SELECT 1")
