"""The only place resources are built."""

from __future__ import annotations

from typing import Any

from orchestration.lib.resources import CatalogResource, HotTierResource, LakeResource

__all__ = ["RESOURCES"]

#: Unset fields read the ``STRATA_*`` settings when a run starts.
RESOURCES: dict[str, Any] = {
    "lake": LakeResource(),
    "hot_tier": HotTierResource(),
    "catalog": CatalogResource(),
}
