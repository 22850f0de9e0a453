"""How far each visitor (or session) got through a funnel: the definition, in Polars.

The engine hands over one row per candidate event — ``u`` (the unit: a visitor, or a
session), ``seq`` (the event's place among the unit's events: time, then event id),
``t`` (microseconds since 1970), ``s0…`` (matches step i), ``x0…`` (matches exclusion
i), ``b`` (breakdown value) — and this module applies the definition of
docs/product-analytics.md:

* an *entry* is a step-1 event inside the range (``order: any``: an event of any step);
* from an entry, each later step is the unit's first matching event after the previous
  matched one (``strict``: the very next event of the unit) and no later than the entry
  plus the window (inclusive); ``any`` counts the distinct steps with a matching event
  from the entry to the end of its window;
* an entry is dropped when an exclusion event falls between its matched ``from`` and
  ``to`` steps; a unit's level is the best over its remaining entries, and the latest
  entry reaching that level is the one whose times are reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

__all__ = ["Exclusion", "FunnelRules", "entry_levels", "unit_levels"]


@dataclass(frozen=True)
class Exclusion:
    """Entries with an event matching column ``x<index>`` strictly between their matched
    steps ``from_step`` and ``to_step`` (0-based) are dropped."""

    index: int
    from_step: int
    to_step: int


@dataclass(frozen=True)
class FunnelRules:
    """The shape of a funnel, without its conditions (those became the ``s``/``x`` columns)."""

    steps: int
    window_us: int
    order: str = "ordered"  # ordered | strict | any
    exclusions: tuple[Exclusion, ...] = ()


def _next(flags: np.ndarray, units: np.ndarray, after: bool) -> np.ndarray:
    """For each row, the position of its unit's first row with ``flags`` after it
    (``after``) or at or after it; -1 when there is none.  Rows are sorted by unit and
    sequence, so this is a running minimum from the end, then a same-unit check."""
    n = len(flags)
    candidates = np.where(flags, np.arange(n), n)
    found = np.minimum.accumulate(candidates[::-1])[::-1]
    if after:
        found = np.append(found[1:], n)
    inside = found < n
    same = inside & (units[np.minimum(found, n - 1)] == units)
    return np.where(same, found, -1)


def entry_levels(rows: pl.DataFrame, rules: FunnelRules, lo: int, hi: int) -> pl.DataFrame:
    """One row per entry: ``u``, ``b`` (if given), ``e_seq`` (its position: later
    entries have larger ones), ``e_t``, ``level`` (steps reached), ``t0…`` (the time of
    the k-th step reached; -1 past the level) and ``excluded``."""
    rows = (
        rows.with_columns(pl.col("seq").cast(pl.Int64), pl.col("t").cast(pl.Int64))
        .with_columns(pl.col(r"^[sx]\d+$").cast(pl.Boolean))
        .sort(["u", "seq"])
        .with_row_index("pos")
        .with_columns(
            pl.col("pos").cast(pl.Int64),
            unit=(pl.col("u") != pl.col("u").shift(1)).fill_null(True).cum_sum(),
        )
    )
    units = rows["unit"].to_numpy()

    def flags(column: str) -> np.ndarray:
        return rows[column].to_numpy()

    steps = [f"s{i}" for i in range(rules.steps)]
    first = pl.any_horizontal(steps) if rules.order == "any" else pl.col("s0")
    in_range = (pl.col("t") >= lo) & (pl.col("t") < hi)
    entries = rows.filter(first & in_range)
    at = entries["pos"].to_numpy()
    t = rows["t"].to_numpy()
    deadline = t[at] + rules.window_us
    found = np.full((len(at), rules.steps), -1, dtype=np.int64)  # matched positions
    if rules.order == "any":
        for k in range(rules.steps):
            q = _next(flags(steps[k]), units, after=False)[at]
            found[:, k] = np.where((q >= 0) & (t[np.maximum(q, 0)] <= deadline), q, -1)
    else:
        found[:, 0] = at
        for k in range(1, rules.steps):
            cur = found[:, k - 1]
            alive = cur >= 0
            if rules.order == "strict":  # the unit's very next event, and it matches
                matches = flags(steps[k])
                q = np.where(alive, cur + 1, -1)
                inside = (q >= 0) & (q < len(t))
                qi = np.where(inside, q, 0)
                same = inside & (units[qi] == units[np.maximum(cur, 0)]) & matches[qi]
                q = np.where(same, q, -1)
            else:
                following = _next(flags(steps[k]), units, after=True)
                q = np.where(alive, following[np.maximum(cur, 0)], -1)
            found[:, k] = np.where(alive & (q >= 0) & (t[np.maximum(q, 0)] <= deadline), q, -1)
    excluded = np.zeros(len(at), dtype=bool)
    for ex in rules.exclusions:
        nxt = _next(flags(f"x{ex.index}"), units, after=True)
        start, stop = found[:, ex.from_step], found[:, ex.to_step]
        hit = nxt[np.maximum(start, 0)]
        excluded |= (stop >= 0) & (hit >= 0) & (hit < stop)
    reached = found >= 0
    moments = np.where(reached, t[np.maximum(found, 0)], np.iinfo(np.int64).max)
    if rules.order == "any":  # the k-th step done is the k-th earliest
        moments = np.sort(moments, axis=1)
    level = reached.sum(axis=1)
    keep = ["u", "b"] if "b" in rows.columns else ["u"]
    return entries.select(*keep, e_seq=pl.col("pos"), e_t=pl.col("t")).with_columns(
        pl.Series("level", level.astype(np.int64)),
        *(
            pl.Series(f"t{k}", np.ascontiguousarray(np.where(k < level, moments[:, k], -1)))
            for k in range(rules.steps)
        ),
        pl.Series("excluded", excluded),
    )


def unit_levels(entries: pl.DataFrame, by: list[str], rules: FunnelRules, hi: int) -> pl.DataFrame:
    """One row per unit (and ``by`` value): ``level`` (steps reached, 0 when every entry
    was excluded), ``t0…`` the times of its reported chain (the latest entry reaching its
    level; -1 past its level), ``open`` (some entry's window is still open at ``hi``,
    the end of the range)."""
    times = [f"t{k}" for k in range(rules.steps)]
    kept = entries.filter(~pl.col("excluded"))
    best = (
        kept.sort(["level", "e_seq"])
        .group_by([*by, "u"])
        .agg(
            pl.col("level").last(),
            *(pl.col(c).last() for c in times),
            open=(pl.col("e_t").max() + rules.window_us) > hi,
        )
    )
    dropped = (
        entries.group_by([*by, "u"])
        .agg(pl.col("excluded").all())
        .filter(pl.col("excluded"))
        .select(
            *by,
            "u",
            level=pl.lit(0, pl.Int64),
            **{c: pl.lit(-1, pl.Int64) for c in times},
            open=pl.lit(False),
        )
    )
    return pl.concat([best, dropped.select(best.columns)], how="vertical_relaxed")
