"""How far each visitor (or session) got through a funnel: the definition, in Polars.

The engine hands over one row per candidate event in unit order (by unit, then time,
then event id) — ``u`` (the unit: a visitor, or a session), ``t`` (microseconds since
1970), ``s0…`` (matches step i), ``x0…`` (matches exclusion i), ``b`` (breakdown value)
— and this module applies the definition of docs/product-analytics.md:

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

import functools
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


def _next(marked: np.ndarray, units: np.ndarray, at: np.ndarray, after: bool) -> np.ndarray:
    """For each position in ``at``, the position of its unit's first row among
    ``marked`` (sorted positions of the rows with a flag) after it (``after``) or at or
    after it; -1 when there is none.  Rows are sorted by unit and sequence, so this is
    a binary search, then a same-unit check: the cost follows the entries, not the rows."""
    if not len(marked) or not len(at):
        return np.full(len(at), -1, dtype=np.int64)
    i = np.searchsorted(marked, at, side="right" if after else "left")
    found = marked[np.minimum(i, len(marked) - 1)]
    same = (i < len(marked)) & (units[found] == units[at])
    return np.where(same, found, -1)


def _outdone(
    rows: pl.DataFrame, entry: np.ndarray, units: np.ndarray, later: list[np.ndarray]
) -> np.ndarray:
    """Entries an ``ordered`` funnel without exclusions can skip: those whose next row
    is an entry of the same unit (and breakdown value) matching no later step.  From
    both, every later step finds the same events (the next row matches none of them),
    and the next one's window ends no earlier, so it reaches at least the same level
    and, being later, is the entry a tie reports: the skipped one never decides an
    answer.  (An exclusion could drop the longer chain and keep the shorter one, so
    with exclusions every entry counts.)  Runs of product views shrink to their last."""
    plain = entry & ~np.logical_or.reduce(later) if later else entry.copy()
    outdone = np.zeros(len(entry), dtype=bool)
    follows = plain[1:] & (units[1:] == units[:-1])
    if "b" in rows.columns:
        b = rows["b"]
        follows &= b[1:].eq_missing(b[:-1]).to_numpy()
    outdone[:-1] = follows
    return outdone


def entry_levels(rows: pl.DataFrame, rules: FunnelRules, lo: int, hi: int) -> pl.DataFrame:
    """One row per entry, in unit order: ``u``, ``b`` (if given), ``e_seq`` (its
    position: later entries have larger ones), ``e_t``, ``level`` (steps reached),
    ``t0…`` (the time of the k-th step reached; -1 past the level) and ``excluded``.
    ``rows`` come in unit order (see the module's docstring)."""
    units = rows["u"].to_numpy()  # a number per unit, its rows together
    t = rows["t"].cast(pl.Int64).to_numpy()

    @functools.cache
    def flags(column: str) -> np.ndarray:
        return rows[column].cast(pl.Boolean).fill_null(False).to_numpy()

    @functools.cache
    def marked(column: str) -> np.ndarray:  # the positions of the rows flagged
        return np.flatnonzero(flags(column))

    steps = [f"s{i}" for i in range(rules.steps)]
    entering = steps if rules.order == "any" else steps[:1]
    first = np.logical_or.reduce([flags(c) for c in entering])
    entry = first & (t >= lo) & (t < hi)
    if rules.order == "ordered" and not rules.exclusions:
        entry &= ~_outdone(rows, entry, units, [flags(c) for c in steps[1:]])
    at = np.flatnonzero(entry)
    deadline = t[at] + rules.window_us
    found = np.full((len(at), rules.steps), -1, dtype=np.int64)  # matched positions
    if rules.order == "any":
        for k in range(rules.steps):
            q = _next(marked(steps[k]), units, at, after=False)
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
                q = np.where(alive, _next(marked(steps[k]), units, np.maximum(cur, 0), True), -1)
            found[:, k] = np.where(alive & (q >= 0) & (t[np.maximum(q, 0)] <= deadline), q, -1)
    excluded = np.zeros(len(at), dtype=bool)
    for ex in rules.exclusions:
        start, stop = found[:, ex.from_step], found[:, ex.to_step]
        hit = _next(marked(f"x{ex.index}"), units, np.maximum(start, 0), after=True)
        excluded |= (stop >= 0) & (hit >= 0) & (hit < stop)
    reached = found >= 0
    moments = np.where(reached, t[np.maximum(found, 0)], np.iinfo(np.int64).max)
    if rules.order == "any":  # the k-th step done is the k-th earliest
        moments = np.sort(moments, axis=1)
    level = reached.sum(axis=1)
    keep = ["u", "b"] if "b" in rows.columns else ["u"]
    taken = pl.Series(at)
    return pl.DataFrame(
        [
            *(rows[c].gather(taken) for c in keep),
            pl.Series("e_seq", at.astype(np.int64)),
            pl.Series("e_t", t[at]),
            pl.Series("level", level.astype(np.int64)),
            *(
                pl.Series(f"t{k}", np.ascontiguousarray(np.where(k < level, moments[:, k], -1)))
                for k in range(rules.steps)
            ),
            pl.Series("excluded", excluded),
        ]
    )


def unit_levels(entries: pl.DataFrame, by: list[str], rules: FunnelRules, hi: int) -> pl.DataFrame:
    """One row per unit (and ``by`` value): ``level`` (steps reached, 0 when every entry
    was excluded), ``t0…`` the times of its reported chain (the latest entry reaching its
    level; -1 past its level), ``open`` (a kept entry's window is still open at ``hi``,
    the end of the range).  ``entries`` come in unit order, as :func:`entry_levels`
    makes them."""
    times = [f"t{k}" for k in range(rules.steps)]
    if by:  # a stable sort: each value's entries stay in unit order
        entries = entries.sort(by, maintain_order=True)
    n = entries.height
    if n == 0:
        return entries.select(*by, "u", "level", *times).with_columns(open=pl.lit(False))
    keys = [entries[c] for c in [*by, "u"]]
    starts_mask = np.zeros(n, dtype=bool)
    starts_mask[0] = True
    for key in keys:
        starts_mask[1:] |= key[1:].ne_missing(key[:-1]).to_numpy()
    starts = np.flatnonzero(starts_mask)
    group = np.cumsum(starts_mask) - 1
    excluded = entries["excluded"].to_numpy()
    level = entries["level"].to_numpy()
    score = np.where(excluded, -1, level)
    best = np.maximum.reduceat(score, starts)
    positions = np.arange(n)
    chosen = np.maximum.reduceat(np.where(score == best[group], positions, -1), starts)
    dropped = best < 0  # every entry of the unit excluded
    e_t = np.where(excluded, np.iinfo(np.int64).min, entries["e_t"].to_numpy())
    latest = np.maximum.reduceat(e_t, starts)
    picked = pl.Series(starts)
    return pl.DataFrame(
        [
            *(entries[c].gather(picked) for c in [*by, "u"]),
            pl.Series("level", np.where(dropped, 0, best).astype(np.int64)),
            *(pl.Series(c, np.where(dropped, -1, entries[c].to_numpy()[chosen])) for c in times),
            pl.Series("open", ~dropped & (latest + rules.window_us > hi)),
        ]
    )
