"""How far each visitor (or session) got through a funnel: the definition, compiled.

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
  entry reaching that level is the one whose times are reported (a unit whose every
  entry was dropped is at level 0).

One pass over the rows, compiled with Numba (:func:`_levels`): each unit's rows once
backwards to note, per condition, the next row matching it, then each entry's chain
in a few lookups, and the unit's answer (and each breakdown value's) as the entries go
by (the interpreter would take a loop per row; NumPy needed a dozen passes over every
row and entry, about four times the time).  Units are independent, so a share of them
runs on each core (the kernel releases the GIL); when every unit's entries have one
breakdown value (a visitor's device, country …), each value's answer is its units'
answer and is not computed twice.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import TypeVar

import numba
import numpy as np
import polars as pl

__all__ = ["Exclusion", "FunnelRules", "Levels", "funnel_levels", "value_codes", "warm_up"]

_ORDERED, _STRICT, _ANY = 0, 1, 2
_NONE = -1  # no such row
_ORDERS = {"ordered": _ORDERED, "strict": _STRICT, "any": _ANY}
_Job, _Out = TypeVar("_Job"), TypeVar("_Out")
#: Rows per thread below which one thread is quicker than handing part of them to another.
_ROWS_PER_THREAD = 250_000


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


@dataclass(frozen=True)
class Levels:
    """One row per unit (or per unit and breakdown value) with an entry in the range:
    ``level`` (steps reached; 0 when every entry was excluded), ``times`` (units × steps:
    the times of the reported chain's steps, -1 past its level), ``open`` (a kept entry's
    window still open at the end of the range) and ``value`` (the breakdown value's
    index in the list :func:`funnel_levels` returns; per-value levels only)."""

    level: np.ndarray
    times: np.ndarray
    open: np.ndarray
    value: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.level)

    def take(self, rows: np.ndarray) -> Levels:
        """The levels of ``rows`` (positions) only."""
        value = None if self.value is None else self.value[rows]
        return Levels(self.level[rows], self.times[rows], self.open[rows], value)


def value_codes(values: pl.Series) -> tuple[np.ndarray, list[str | None]]:
    """A small integer per row of ``values`` (text or categories; a missing value is a
    value of its own) and the value each integer stands for: ``0 … k-1`` for the ``k``
    distinct values in order of first appearance, cheap to compare and count where the
    text is not."""
    if values.dtype != pl.Categorical:
        values = values.cast(pl.String).cast(pl.Categorical)
    physical = values.to_physical()  # the process's numbers for the texts
    missing = int(physical.max() or 0) + 1  # one no text has: the missing value's
    numbers = physical.fill_null(missing).to_numpy(writable=True)
    if missing < 4 * len(numbers) + 65_536:  # a lookup table no bigger than the rows
        codes, firsts = _first_seen(numbers, missing + 1)
    else:
        _, firsts, codes = np.unique(numbers, return_index=True, return_inverse=True)
    return codes.astype(np.int32, copy=False), values.gather(firsts).cast(pl.String).to_list()


def funnel_levels(
    rows: pl.DataFrame, rules: FunnelRules, lo: int, hi: int
) -> tuple[Levels, Levels | None, list[str | None]]:
    """Each unit's answer to ``rules`` over entries in ``[lo, hi)`` (microseconds), and,
    when ``rows`` have a breakdown value ``b``, each unit and entry value's (with the
    list of values their ``value`` indexes).  ``rows`` come in unit order (see the
    module's docstring)."""
    units = rows["u"].to_numpy()
    starts = np.flatnonzero(units[1:] != units[:-1]) + 1
    bounds = np.concatenate(([0], starts, [len(units)])).astype(np.int64)
    # writable arrays: Numba compiles a variant per read-only-ness of each argument
    t = rows["t"].cast(pl.Int64).to_numpy(writable=True)
    mask = rows["m"].cast(pl.Int32).to_numpy(writable=True)
    by_value = "b" in rows.columns
    codes, values = value_codes(rows["b"]) if by_value else (np.zeros(len(t), np.int32), [None])
    bits = np.array([rules.bit(c) for c in rules.columns], dtype=np.int64)
    order = _ORDERS[rules.order]
    entering = int(np.bitwise_or.reduce(bits[: rules.steps if order == _ANY else 1]))
    # units are independent: a share of them per core (the kernels release the GIL),
    # each share writing its rows of the answer from where the shares before it end
    parts = _parts(bounds, min(os.cpu_count() or 1, len(t) // _ROWS_PER_THREAD))
    sizes = np.array(
        _each(parts, lambda part: _sizes(part, t, mask, codes, len(values), entering, lo, hi))
    ).reshape(-1, 2)
    # every unit's entries of one value (a breakdown by device, country …): each value's
    # answer is its units' answer, so the kernel only notes each unit's value
    one_value = by_value and int(sizes[:, 0].sum()) == int(sizes[:, 1].sum())
    if one_value or not by_value:
        sizes[:, 1] = 0
    offsets = np.vstack([np.zeros((1, 2), np.int64), np.cumsum(sizes, axis=0)])
    units_total, pairs_total = (int(x) for x in offsets[-1])
    outputs = _outputs(units_total, pairs_total, rules.steps, one_value)
    level, times, open_, unit_code, code, value_level, value_times, value_open = outputs
    rest = (
        len(values),
        bits,
        entering,
        rules.steps,
        order,
        np.array([x.from_step for x in rules.exclusions], dtype=np.int64),
        np.array([x.to_step for x in rules.exclusions], dtype=np.int64),
        rules.window_us,
        lo,
        hi,
        by_value and not one_value,
        one_value,
    )
    _each(
        list(zip(parts, offsets[:-1, 0].tolist(), offsets[:-1, 1].tolist(), strict=False)),
        lambda job: _levels(job[0], t, mask, codes, *rest, *outputs, job[1], job[2]),
    )
    per_value = (
        Levels(level, times, open_, unit_code)
        if one_value
        else Levels(value_level, value_times, value_open, code)
        if by_value
        else None
    )
    return Levels(level, times, open_), per_value, values


def _outputs(units: int, pairs: int, steps: int, one_value: bool) -> tuple[np.ndarray, ...]:
    """The kernel's outputs, as it expects them (zeros; times -1): per unit its level,
    times, open window and (``one_value``) value code; per (unit, value) pair the same."""
    return (
        np.zeros(units, np.int64),
        np.full((units, steps), -1, np.int64),
        np.zeros(units, np.bool_),
        np.zeros(units if one_value else 0, np.int64),
        np.zeros(pairs, np.int64),
        np.zeros(pairs, np.int64),
        np.full((pairs, steps), -1, np.int64),
        np.zeros(pairs, np.bool_),
    )


def _parts(bounds: np.ndarray, wanted: int) -> list[np.ndarray]:
    """``bounds`` (unit starts and the end) cut into at most ``wanted`` runs of whole
    units with about as many rows each (each run's bounds, sharing its ends)."""
    if wanted <= 1 or len(bounds) < 3:
        return [bounds]
    targets = np.linspace(bounds[0], bounds[-1], wanted + 1)[1:-1]
    cuts = np.unique(np.searchsorted(bounds, targets).clip(1, len(bounds) - 2))
    edges = [0, *cuts.tolist(), len(bounds) - 1]
    return [bounds[a : b + 1] for a, b in itertools.pairwise(edges)]


def _each(jobs: list[_Job], run: Callable[[_Job], _Out]) -> list[_Out]:
    """``run`` over ``jobs``: the first in this thread, the others in the pool's."""
    later = [_pool().submit(run, job) for job in jobs[1:]]
    return [run(jobs[0]), *(f.result() for f in later)]


@cache
def _pool() -> ThreadPoolExecutor:
    """Threads for the shares of a funnel past the first (which its caller runs)."""
    return ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="strata-funnel")


def warm_up() -> None:
    """Compile :func:`_levels` now (or load it from Numba's cache beside this module):
    a process calls this at start so its first funnel does not wait seconds for it."""
    rows = pl.DataFrame(
        {"u": [1, 1], "t": [0, 1], "m": [2, 1], "b": ["a", "a"]},
        schema={"u": pl.Int64, "t": pl.Int64, "m": pl.Int32, "b": pl.String},
    )
    funnel_levels(rows, FunnelRules(2, 10), 0, 10)


@numba.njit(cache=True, nogil=True)  # type: ignore[untyped-decorator]
def _first_seen(numbers: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """``0, 1, …`` for each number in ``numbers`` (all below ``size``) in order of first
    appearance, and the position of each one's first appearance."""
    table = np.full(size, -1, np.int32)
    codes = np.empty(len(numbers), np.int32)  # (half the memory to fill of int64)
    firsts = np.empty(min(len(numbers), size), np.int64)
    n = 0
    for i in range(len(numbers)):
        c = table[numbers[i]]
        if c < 0:
            c = table[numbers[i]] = n
            firsts[n] = i
            n += 1
        codes[i] = c
    return codes, firsts[:n]


@numba.njit(cache=True, nogil=True)  # type: ignore[untyped-decorator]
def _enters(flags: int, at: int, entering: int, lo: int, hi: int) -> bool:
    """A row with conditions ``flags`` at time ``at`` is an entry: it matches an
    entering step and falls in ``[lo, hi)`` (both passes over the rows ask)."""
    return (flags & entering) != 0 and lo <= at < hi


@numba.njit(cache=True, nogil=True)  # type: ignore[untyped-decorator]
def _sizes(
    bounds: np.ndarray, t: np.ndarray, mask: np.ndarray, codes: np.ndarray, n_codes: int,
    entering: int, lo: int, hi: int,
) -> tuple[int, int]:  # fmt: skip
    """How many units have an entry, and how many (unit, entry value) pairs there are."""
    stamp = np.full(n_codes, -1, np.int64)  # the last unit each value was counted for
    units = pairs = 0
    for u in range(len(bounds) - 1):
        entered = False
        for i in range(bounds[u], bounds[u + 1]):
            if _enters(mask[i], t[i], entering, lo, hi):
                entered = True
                if stamp[codes[i]] != u:
                    stamp[codes[i]] = u
                    pairs += 1
        if entered:
            units += 1
    return units, pairs


@numba.njit(cache=True, nogil=True)  # type: ignore[untyped-decorator]
def _levels(
    bounds: np.ndarray, t: np.ndarray, mask: np.ndarray, codes: np.ndarray, n_codes: int,
    bits: np.ndarray, entering: int, steps: int, order: int, ex_from: np.ndarray,
    ex_to: np.ndarray, window: int, lo: int, hi: int, by_value: bool, one_value: bool,
    level: np.ndarray, times: np.ndarray, open_: np.ndarray, unit_code: np.ndarray,
    value_code: np.ndarray, value_level: np.ndarray, value_times: np.ndarray,
    value_open: np.ndarray, out: int, out_value: int,
) -> None:  # fmt: skip
    """The definition over units ``bounds[u]:bounds[u + 1]`` of the rows: per unit with
    an entry its level, times and open window, and (``by_value``) the same per unit and
    entry value (with the value's code), written from row ``out`` (``out_value``) of the
    outputs on (as zeros and -1 they come; :func:`_sizes` said how many rows);
    ``one_value`` (every unit's entries have one value): each unit's value code only.
    Conditions are ``bits`` (steps, then exclusions); ``ex_from``/``ex_to`` the steps
    each exclusion lies between; ``entering`` the bits an entry matches one of."""
    n_cond = len(bits)
    later = 0  # any step after the first
    for k in range(1, steps):
        later |= bits[k]
    # an ordered entry whose next row is an entry of the same value matching no later
    # step is outdone by it (the same steps follow both, the later window ends no
    # sooner, and a tie reports the later): skipped, unless an exclusion could drop
    # the longer chain and keep this one
    outdone_skip = order == _ORDERED and len(ex_from) == 0
    first = 0 if order == _ANY else 1  # step 1 is looked ahead for only in any order
    longest = 0
    for u in range(len(bounds) - 1):
        longest = max(longest, bounds[u + 1] - bounds[u])
    ahead = np.empty((longest + 1, n_cond), np.int64)  # next row matching each condition
    found = np.empty(steps, np.int64)  # an entry's matched rows
    moments = np.empty(steps, np.int64)  # and their times
    best_times = np.empty(steps, np.int64)
    slots = n_codes if by_value else 0
    code_best = np.full(slots, -2, np.int64)  # -2: no entry of the value in this unit yet
    code_latest = np.empty(slots, np.int64)
    code_times = np.empty((slots, steps), np.int64)
    touched = np.empty(longest, np.int64)
    never = np.iinfo(np.int64).min
    for u in range(len(bounds) - 1):
        s, n = bounds[u], bounds[u + 1] - bounds[u]
        for c in range(first, n_cond):
            ahead[n, c] = _NONE
        for i in range(n - 1, -1, -1):
            mi = mask[s + i]
            for c in range(first, n_cond):
                ahead[i, c] = i if (mi & bits[c]) != 0 else ahead[i + 1, c]
        best = -2  # the best score so far: -1 excluded, else the level
        latest = never  # the latest kept entry's time
        n_touched = 0
        for i in range(n):
            at = t[s + i]
            if not _enters(mask[s + i], at, entering, lo, hi):
                continue
            if outdone_skip and i + 1 < n:
                following = mask[s + i + 1]
                if (
                    (following & entering) != 0
                    and (following & later) == 0
                    and t[s + i + 1] < hi
                    and codes[s + i + 1] == codes[s + i]
                ):
                    continue
            deadline = at + window
            for k in range(steps):
                found[k] = _NONE
                moments[k] = -1
            reached = 0
            if order == _ANY:
                for k in range(steps):
                    j = ahead[i, k]
                    if j != _NONE and t[s + j] <= deadline:
                        found[k] = j
                        moments[reached] = t[s + j]
                        reached += 1
                moments[:reached].sort()  # the k-th step done is the k-th earliest
            else:
                found[0], moments[0], reached, pos = i, at, 1, i
                for k in range(1, steps):
                    if order == _STRICT:  # the unit's very next event, and it matches
                        j = pos + 1 if pos + 1 < n and (mask[s + pos + 1] & bits[k]) != 0 else _NONE
                    else:
                        j = ahead[pos + 1, k]
                    if j == _NONE or t[s + j] > deadline:
                        break
                    found[k], moments[k], reached, pos = j, t[s + j], reached + 1, j
            excluded = False
            for x in range(len(ex_from)):
                start, stop = found[ex_from[x]], found[ex_to[x]]
                if stop != _NONE:
                    hit = ahead[start + 1, steps + x]
                    if hit != _NONE and hit < stop:
                        excluded = True
            score = -1 if excluded else reached
            # the unit's answer, then its value's: the same reduction twice (as one
            # array of slots it ran ~1.5x slower: the unit's stays in registers here)
            if score >= best:  # ties: the later entry
                best = score
                for k in range(steps):
                    best_times[k] = moments[k]
            if not excluded:
                latest = max(latest, at)
            if one_value:
                unit_code[out] = codes[s + i]
            if by_value:
                c = codes[s + i]
                if code_best[c] == -2:
                    touched[n_touched] = c
                    n_touched += 1
                    code_latest[c] = never
                if score >= code_best[c]:
                    code_best[c] = score
                    for k in range(steps):
                        code_times[c, k] = moments[k]
                if not excluded:
                    code_latest[c] = max(code_latest[c], at)
        if best == -2:  # no entry
            continue
        if best >= 0:
            level[out] = best
            for k in range(steps):
                times[out, k] = best_times[k]
            open_[out] = latest + window > hi
        out += 1
        for j in range(n_touched):
            c = touched[j]
            value_code[out_value] = c
            if code_best[c] >= 0:
                value_level[out_value] = code_best[c]
                for k in range(steps):
                    value_times[out_value, k] = code_times[c, k]
                value_open[out_value] = code_latest[c] + window > hi
            code_best[c] = -2
            out_value += 1
