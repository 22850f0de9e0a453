"""What the hot tier holds now: the facts a reader needs to choose and render its SQL.

One question to ``system.columns`` answers three: which cubes are ready (their ``users``
are bitmaps: a load built them whole), whether raw ``events`` carry visitor numbers, and
which custom properties they keep as columns (``prop_<key>``);
a second reads the schema's migration version (a reader refuses an older schema).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lake.hot_tier.ddl import CUBE_USERS_TYPE, ROLLUP_TABLES
from lake.hot_tier.migrations import LATEST_VERSION, schema_version
from lake.hot_tier.raw_tables import HOT_PROPERTY_PREFIX
from lake.transforms import CUBES

__all__ = ["HotTierState", "cubes_to_build", "hot_tier_state", "ready_cubes"]


@dataclass(frozen=True)
class HotTierState:
    """The cubes reports may read, whether ``events`` has ``visitor_number``, the schema's
    migration version, and the custom property keys ``events`` keeps as columns."""

    ready_cubes: frozenset[str] = frozenset()
    numbered_events: bool = False
    schema_version: int = 0
    hot_properties: frozenset[str] = frozenset()

    @property
    def current(self) -> bool:
        """The schema has every migration this release knows."""
        return self.schema_version >= LATEST_VERSION

    @property
    def settled(self) -> bool:
        """Nothing here can change any more (schema current, every cube ready, events
        numbered): a reader may stop asking."""
        return self.current and self.numbered_events and len(self.ready_cubes) == len(CUBES)


def hot_tier_state(client: Any, cluster: str | None = None) -> HotTierState:
    """Ask the hot tier what it holds (one query).  On a cluster raw events are never
    numbered (they are sharded by visitor, the registry by site)."""
    rows = client.query(
        "SELECT table, name, type FROM system.columns WHERE database = currentDatabase() "
        "AND ((name = 'users' AND table IN {tables:Array(String)}) OR (table = 'events' "
        "AND (name = 'visitor_number' OR startsWith(name, {prefix:String}))))",
        parameters={"tables": list(ROLLUP_TABLES), "prefix": HOT_PROPERTY_PREFIX},
    ).result_rows
    ready = frozenset(t for t, name, kind in rows if name == "users" and kind == CUBE_USERS_TYPE)
    events = {name for t, name, _ in rows if t == "events"}
    numbered = not cluster and "visitor_number" in events
    kept = frozenset(
        name.removeprefix(HOT_PROPERTY_PREFIX)
        for name in events
        if name.startswith(HOT_PROPERTY_PREFIX)
    )
    return HotTierState(ready, numbered, schema_version(client), kept)


def ready_cubes(client: Any) -> frozenset[str]:
    """The cubes reports may read: those that exist with their bitmap ``users`` (a cube
    is put in place whole by :func:`lake.hot_tier.finish_cube_build`; on a cluster,
    made with its rollup)."""
    return hot_tier_state(client).ready_cubes


def cubes_to_build(client: Any, cluster: str | None = None) -> list[str]:
    """The cubes a load must build whole from the lake (``begin_cube_build``): missing,
    or made by an older Strata.  None on a cluster, where cubes are made with the rollups
    and filled day by day by the loads."""
    if cluster:
        return []
    ready = ready_cubes(client)
    return [name for name in CUBES if name not in ready]
