"""Which engine answers an analysis over raw events: the planner's rule for raw reports."""

from __future__ import annotations

import datetime as dt

from serving.backends import Backend, Tiers

__all__ = ["analysis_backend"]


def analysis_backend(backend: Backend | Tiers, start: dt.date) -> tuple[Backend, str]:
    """The backend (and its tier) for an analysis whose range starts on ``start``: the hot
    tier's raw tables when the range lies inside the hot window, else DuckDB over the
    lake, which holds every day (one engine per answer, as reports)."""
    tiers = backend if isinstance(backend, Tiers) else Tiers.single(backend)
    hot_from = tiers.first_hot_day()
    tier = "hot" if hot_from is None or start >= hot_from else "cold"
    return tiers.backend(tier), tier
