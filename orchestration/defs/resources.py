"""The only place resources are built."""

from __future__ import annotations

from orchestration.lib.strata_resource import StrataResource

__all__ = ["RESOURCES"]

RESOURCES = {"strata": StrataResource()}
