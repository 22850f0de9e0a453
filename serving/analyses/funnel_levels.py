"""How far each visitor (or session) got through a funnel: the definition, in NumPy.

The engine hands over one row per candidate event in unit order (by unit, then time,
then the steps it matches, then breakdown value) — ``u`` (the unit: a visitor, or a
session), ``t`` (microseconds since 1970), ``m`` (the steps and exclusions it matches,
one bit each: see :meth:`FunnelRules.bit`), ``b`` (breakdown value) — and this module
applies the definition of docs/product-analytics.md:

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

__all__ = ["Exclusion", "FunnelRules", "codes", "entry_levels", "unit_levels"]


@dataclass(frozen=True)
class Exclusion:
    """Entries with an event matching column ``x<index>`` strictly between their matched
    steps ``from_step`` and ``to_step`` (0-based) are dropped."""

    index: int
    from_step: int
    to_step: int


@dataclass(frozen=True)
class FunnelRules:
    """The shape of a funnel, without its conditions (those became the bits of ``m``)."""

    steps: int
    window_us: int
    order: str = "ordered"  # ordered | strict | any
    exclusions: tuple[Exclusion, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        """The conditions' names, in the order rows of one moment are sorted by: steps
        ``s0…``, then exclusions ``x0…``."""
        steps = (f"s{i}" for i in range(self.steps))
        return (*steps, *(f"x{i}" for i in range(len(self.exclusions))))

    def bit(self, column: str) -> int:
        """The bit of ``m`` that says a row matches condition ``column``: the first
        condition is the highest bit, so sorting rows by ``m`` descending sorts them by
        ``s0`` descending, then ``s1`` descending, and so on (one number to sort and
        ship instead of one column per condition; a funnel's 20 steps and 10 exclusions
        at most fit a 32-bit integer)."""
        names = self.columns
        return 1 << (len(names) - 1 - names.index(column))


def codes(values: pl.Series) -> np.ndarray:
    """A small integer per distinct value of ``values`` (text or categories; a missing
    value is a value of its own): equal codes for equal values, cheap to compare and
    group where the text is not."""
    if values.dtype != pl.Categorical:
        values = values.cast(pl.String).cast(pl.Categorical)
    physical = values.to_physical()
    return physical.fill_null(np.iinfo(np.uint32).max).to_numpy()


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
    entry: np.ndarray, later: np.ndarray, units: np.ndarray, values: np.ndarray | None
) -> np.ndarray:
    """Entries an ``ordered`` funnel without exclusions can skip: those whose next row
    is an entry of the same unit (and breakdown value) matching no later step
    (``later``: rows matching one).  From both, every later step finds the same events
    (the next row matches none of them), and the next one's window ends no earlier, so
    it reaches at least the same level and, being later, is the entry a tie reports:
    the skipped one never decides an answer.  (An exclusion could drop the longer chain
    and keep the shorter one, so with exclusions every entry counts.)  Runs of product
    views shrink to their last."""
    outdone = np.zeros(len(entry), dtype=bool)
    follows = entry[1:] & ~later[1:] & (units[1:] == units[:-1])
    if values is not None:
        follows &= values[1:] == values[:-1]
    outdone[:-1] = follows
    return outdone


def entry_levels(rows: pl.DataFrame, rules: FunnelRules, lo: int, hi: int) -> pl.DataFrame:
    """One row per entry, in unit order: ``u``, ``b`` (if given), ``e_seq`` (its
    position: later entries have larger ones), ``e_t``, ``level`` (steps reached),
    ``t0…`` (the time of the k-th step reached; -1 past the level) and ``excluded``.
    ``rows`` come in unit order (see the module's docstring)."""
    units = rows["u"].to_numpy()  # a number per unit, its rows together
    t = rows["t"].cast(pl.Int64).to_numpy()
    mask = rows["m"].to_numpy()  # an integer type wide enough for every bit
    values = codes(rows["b"]) if "b" in rows.columns else None

    def bits(columns: list[str]) -> int:
        return sum(rules.bit(c) for c in columns)

    @functools.cache
    def marked(column: str) -> np.ndarray:  # the positions of the rows flagged
        return np.flatnonzero(mask & rules.bit(column))

    steps = [f"s{i}" for i in range(rules.steps)]
    entering = steps if rules.order == "any" else steps[:1]
    entry = (mask & bits(entering)) != 0
    entry &= (t >= lo) & (t < hi)
    if rules.order == "ordered" and not rules.exclusions:
        entry &= ~_outdone(entry, (mask & bits(steps[1:])) != 0, units, values)
    at = np.flatnonzero(entry)
    deadline = t[at] + rules.window_us
    found = np.full((len(at), rules.steps), -1, dtype=np.int64)  # matched positions
    if rules.order == "any":
        for k in range(rules.steps):
            q = _next(marked(steps[k]), units, at, after=False)
            found[:, k] = np.where((q >= 0) & (t[np.maximum(q, 0)] <= deadline), q, -1)
        reached = found >= 0
        level = reached.sum(axis=1)
        moments = np.where(reached, t[np.maximum(found, 0)], np.iinfo(np.int64).max)
        moments = np.sort(moments, axis=1)  # the k-th step done is the k-th earliest
        moments[np.arange(rules.steps) >= level[:, None]] = -1
    else:
        found[:, 0] = at
        moments = np.full((len(at), rules.steps), -1, dtype=np.int64)
        moments[:, 0] = t[at]
        level = np.ones(len(at), dtype=np.int64)
        alive = np.arange(len(at))  # the entries whose chain is still going
        for k in range(1, rules.steps):
            cur = found[alive, k - 1]
            if rules.order == "strict":  # the unit's very next event, and it matches
                q = cur + 1
                inside = q < len(t)
                qi = np.where(inside, q, 0)
                same = inside & (units[qi] == units[cur]) & ((mask[qi] & rules.bit(steps[k])) != 0)
                q = np.where(same, q, -1)
            else:
                q = _next(marked(steps[k]), units, cur, True)
            when = t[np.maximum(q, 0)]
            ok = (q >= 0) & (when <= deadline[alive])
            alive = alive[ok]
            found[alive, k] = q[ok]
            moments[alive, k] = when[ok]
            level[alive] += 1
    excluded = np.zeros(len(at), dtype=bool)
    for ex in rules.exclusions:
        start, stop = found[:, ex.from_step], found[:, ex.to_step]
        hit = _next(marked(f"x{ex.index}"), units, np.maximum(start, 0), after=True)
        excluded |= (stop >= 0) & (hit >= 0) & (hit < stop)
    return pl.DataFrame(
        [
            pl.Series("u", units[at]),
            *([rows["b"].gather(pl.Series(at))] if values is not None else []),
            pl.Series("e_seq", at.astype(np.int64)),
            pl.Series("e_t", t[at]),
            pl.Series("level", level.astype(np.int64)),
            *(pl.Series(f"t{k}", np.ascontiguousarray(moments[:, k])) for k in range(rules.steps)),
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
    n = entries.height
    if n == 0:
        return entries.select(*by, "u", "level", *times).with_columns(open=pl.lit(False))
    units = entries["u"].to_numpy()
    keys = [codes(entries[c]) for c in by]
    order = None
    if keys:  # a stable sort: each value's entries stay in unit order
        order = np.lexsort(keys[::-1]) if len(keys) > 1 else np.argsort(keys[0], kind="stable")
        keys = [k[order] for k in keys]
        units = units[order]

    def column(name: str) -> np.ndarray:
        found = entries[name].to_numpy()
        return found if order is None else found[order]

    starts_mask = np.zeros(n, dtype=bool)
    starts_mask[0] = True
    for key in [*keys, units]:
        starts_mask[1:] |= key[1:] != key[:-1]
    starts = np.flatnonzero(starts_mask)
    group = np.cumsum(starts_mask) - 1
    excluded = column("excluded")
    score = np.where(excluded, -1, column("level"))
    best = np.maximum.reduceat(score, starts)
    positions = np.arange(n)
    chosen = np.maximum.reduceat(np.where(score == best[group], positions, -1), starts)
    dropped = best < 0  # every entry of the unit excluded
    e_t = np.where(excluded, np.iinfo(np.int64).min, column("e_t"))
    latest = np.maximum.reduceat(e_t, starts)
    picked = starts if order is None else order[starts]
    return pl.DataFrame(
        [
            *(entries[c].gather(pl.Series(picked)) for c in by),
            pl.Series("u", units[starts]),
            pl.Series("level", np.where(dropped, 0, best).astype(np.int64)),
            *(pl.Series(c, np.where(dropped, -1, column(c)[chosen])) for c in times),
            pl.Series("open", ~dropped & (latest + rules.window_us > hi)),
        ]
    )
