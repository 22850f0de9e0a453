"""The funnel definition applied to hand-made candidate rows (no engine): the best chain
per unit, the latest entry reaching it, exclusions, orders and breakdown values; and
random visitors against a loop written straight from the definition."""

from __future__ import annotations

import random

import numpy as np
import polars as pl
import pytest

from serving.analyses.funnel_levels import Exclusion, FunnelRules, Levels, funnel_levels


def _masked(rows: pl.DataFrame, rules: FunnelRules) -> pl.DataFrame:
    """Rows with one boolean column per condition (``s0``…, ``x0``…) as the engine
    sends them: the conditions as the bits of ``m``."""
    names = [c for c in rules.columns if c in rows.columns]
    mask = sum((pl.col(c).cast(pl.Int64) * rules.bit(c) for c in names), pl.lit(0))
    return rows.with_columns(m=mask).drop(names)


def _listed(levels: Levels, values: list | None = None) -> list[tuple]:
    """``(value?, level, t0…, open)`` per row of ``levels``, in their order."""
    rows = []
    for i in range(len(levels)):
        row = (int(levels.level[i]), *map(int, levels.times[i]), bool(levels.open[i]))
        if values is not None:
            assert levels.value is not None
            row = (values[levels.value[i]], *row)
        rows.append(row)
    return rows


#: Two visitors, in unit order (visitor, then time).  Visitor 1 enters twice (on desktop
#: at 0, on mobile at 20) and both entries reach step 3 (at 40); visitor 2 enters at 5,
#: but an excluded event (at 6) falls between its steps 1 and 2 (at 7).
ROWS = pl.DataFrame(
    {
        "u": [1, 1, 1, 1, 1, 2, 2, 2],
        "t": [0, 10, 20, 30, 40, 5, 6, 7],
        "s0": [True, False, True, False, False, True, False, False],
        "s1": [False, True, False, True, False, False, False, True],
        "s2": [False, False, False, False, True, False, False, False],
        "x0": [False, False, False, False, False, False, True, False],
        "b": ["desktop", None, "mobile", None, None, "desktop", None, None],
    }
)
RULES = FunnelRules(3, 100, "ordered", (Exclusion(0, 0, 1),))
MASKED = _masked(ROWS, RULES)


def test_a_unit_reports_its_latest_entry_reaching_its_best_level() -> None:
    """Visitor 1: the entry at 20 (the later of two reaching step 3: its step 2 is the
    one at 30, not 10), its window open at the range's end (20 + 100 > 50); visitor 2:
    every entry excluded, so level 0."""
    units, _, _ = funnel_levels(MASKED, RULES, lo=0, hi=50)
    assert _listed(units) == [(3, 20, 30, 40, True), (0, -1, -1, -1, False)]


def test_each_breakdown_value_keeps_its_own_entries() -> None:
    """Per unit, then per value in the order of the unit's entries: visitor 1's desktop
    entry has its own chain (0, 10, 40)."""
    _, per_value, values = funnel_levels(MASKED, RULES, lo=0, hi=50)
    assert per_value is not None
    assert _listed(per_value, values) == [
        ("desktop", 3, 0, 10, 40, True),
        ("mobile", 3, 20, 30, 40, True),
        ("desktop", 0, -1, -1, -1, False),
    ]


def test_windows_closed_at_the_end_of_the_range_are_not_open() -> None:
    units, _, _ = funnel_levels(MASKED, RULES, lo=0, hi=200)
    assert units.open.tolist() == [False, False]


def test_entries_outside_the_range_do_not_count() -> None:
    """From 1 on, visitor 1's first entry (at 0) is outside; from 6, visitor 2 has none
    and is not counted at all."""
    units, _, _ = funnel_levels(MASKED, RULES, lo=6, hi=50)
    assert _listed(units) == [(3, 20, 30, 40, True)]


def test_no_candidate_rows_give_no_units_in_every_order() -> None:
    """A funnel over a range with no matching event (found by the schema fuzzer)."""
    for order in ("ordered", "strict", "any"):
        rules = FunnelRules(2, 100, order, (Exclusion(0, 0, 1),))
        empty = _masked(ROWS, rules).clear()
        units, per_value, values = funnel_levels(empty, rules, lo=0, hi=50)
        assert len(units) == 0 and per_value is not None and len(per_value) == 0
        assert values == []


def test_strict_order_needs_the_very_next_event() -> None:
    """Visitor 1's entry at 0 is followed by a step-2 event (10): strict reaches 2; the
    entry at 20 too (30), then 40 is step 3: level 3.  Visitor 2's entry at 5 is
    followed by the excluded event, not step 2: level 1 (and no exclusion applies)."""
    rules = FunnelRules(3, 100, "strict")
    units, _, _ = funnel_levels(_masked(ROWS.drop("x0"), rules), rules, lo=0, hi=50)
    assert _listed(units) == [(3, 20, 30, 40, True), (1, 5, -1, -1, True)]


def test_any_order_counts_the_distinct_steps_within_the_window() -> None:
    """Any step's event enters; each step counts once, at its first event from the
    entry on, within the window (15).  Visitor 1: every entry reaches 2 steps but the
    last (40: step 3 alone); the latest with 2 is the one at 30 (steps 2 and 3 at 30,
    40).  Visitor 2: the entry at 5 sees steps 1 (5) and 2 (7); both windows close by
    the range's end (7 + 15 < 50)."""
    rules = FunnelRules(3, 15, "any")
    units, _, _ = funnel_levels(_masked(ROWS.drop("x0"), rules), rules, lo=0, hi=50)
    assert _listed(units) == [(2, 30, 40, -1, True), (2, 5, 7, -1, False)]


#: One visitor's product views at 0 (list "a"), 10 and 20 (list "b"), then the add to
#: cart at 30; a 25-unit window.  The entry at 0 times out (30 > 0 + 25); those at 10
#: and 20 reach step 2, and 20 is the later.
RUN = pl.DataFrame(
    {
        "u": [1, 1, 1, 1],
        "t": [0, 10, 20, 30],
        "s0": [True, True, True, False],
        "s1": [False, False, False, True],
        "b": ["a", "b", "b", None],
    }
)


def test_a_run_of_entries_reports_its_last() -> None:
    """The entry at 10 is outdone by the one at 20 (same value, matching no later step);
    the one at 0 still counts visitor 1 under ``a`` (at level 1)."""
    rules = FunnelRules(2, 25)
    units, per_value, values = funnel_levels(_masked(RUN, rules), rules, lo=0, hi=100)
    assert _listed(units) == [(2, 20, 30, False)]
    assert per_value is not None
    assert _listed(per_value, values) == [("a", 1, 0, -1, False), ("b", 2, 20, 30, False)]


def _reference(
    rows: pl.DataFrame, rules: FunnelRules, lo: int, hi: int
) -> tuple[list[tuple], list[tuple]]:
    """The definition with loops, entry by entry: per unit (and per unit and entry
    value) its best level (an excluded entry scores -1, every entry excluded is level
    0), the times of the latest entry reaching it, and whether a kept entry's window is
    open at ``hi``."""
    steps, window = rules.steps, rules.window_us
    overall: list[tuple] = []
    per_value: list[tuple] = []
    for _, mine in rows.group_by(["u"], maintain_order=True):
        events = mine.rows(named=True)
        scored = []  # (value, score, times, t)
        for i, e in enumerate(events):
            enters = any(e[f"s{k}"] for k in range(steps)) if rules.order == "any" else e["s0"]
            if not (enters and lo <= e["t"] < hi):
                continue
            deadline = e["t"] + window
            found: list[int | None] = [None] * steps
            if rules.order == "any":
                for k in range(steps):
                    found[k] = next((j for j in range(i, len(events)) if events[j][f"s{k}"]), None)
                    if found[k] is not None and events[found[k]]["t"] > deadline:
                        found[k] = None
                times = sorted(events[j]["t"] for j in found if j is not None)
            else:
                found[0], times = i, [e["t"]]
                for k in range(1, steps):
                    after = range(found[k - 1] + 1, len(events))
                    if rules.order == "strict":
                        after = range(found[k - 1] + 1, min(found[k - 1] + 2, len(events)))
                    j = next((j for j in after if events[j][f"s{k}"]), None)
                    if j is None or events[j]["t"] > deadline:
                        break
                    found[k] = j
                    times.append(events[j]["t"])
            excluded = any(
                found[x.to_step] is not None
                and any(
                    events[j][f"x{x.index}"]
                    for j in range(found[x.from_step] + 1, found[x.to_step])  # type: ignore[operator]
                )
                for x in rules.exclusions
            )
            score = -1 if excluded else len(times)
            scored.append((e["b"], score, times + [-1] * (steps - len(times)), e["t"]))

        def reduce(entries: list[tuple]) -> tuple:
            best = max(score for _, score, _, _ in entries)
            if best < 0:
                return (0, *[-1] * steps, False)
            times = [times for _, score, times, _ in entries if score == best][-1]
            open_ = any(score >= 0 and t + window > hi for _, score, _, t in entries)
            return (best, *times, open_)

        if scored:
            overall.append(reduce(scored))
            for value in dict.fromkeys(value for value, _, _, _ in scored):
                per_value.append((value, *reduce([s for s in scored if s[0] == value])))
    return overall, per_value


def _random_rows(rng: random.Random, rules: FunnelRules) -> pl.DataFrame:
    """Random visitors' candidate rows in unit order: runs of step-1 events, repeats,
    events sharing a moment, steps sharing events, exclusion events, a few values."""
    rows = []
    for unit in range(250):
        t = rng.choice([0, 50])
        for _ in range(rng.randint(1, 14)):
            t += rng.choice([0, 0, 1, 3, 10, 40])
            flags = {c: rng.random() < 0.4 for c in rules.columns}
            if not any(flags.values()):
                flags[rng.choice(rules.columns)] = True
            rows.append({"u": unit, "t": t, "b": rng.choice(["a", "b", "c"]), **flags})
    frame = pl.DataFrame(rows)
    masked = _masked(frame, rules)
    order = masked.with_columns(i=pl.int_range(pl.len())).sort(
        "u", "t", "m", "b", descending=[False, False, True, False]
    )["i"]
    return frame[order]


@pytest.mark.parametrize(
    "rules",
    [
        FunnelRules(2, 30),
        FunnelRules(3, 30),
        FunnelRules(4, 60),
        FunnelRules(3, 30, "strict"),
        FunnelRules(3, 30, "any"),
        FunnelRules(4, 45, "any"),
        FunnelRules(3, 40, "ordered", (Exclusion(0, 0, 1),)),
        FunnelRules(4, 60, "ordered", (Exclusion(0, 1, 3), Exclusion(1, 0, 2))),
        FunnelRules(3, 40, "strict", (Exclusion(0, 0, 2),)),
    ],
    ids=lambda r: f"{r.order}-{r.steps}-x{len(r.exclusions)}",
)
def test_random_visitors_agree_with_the_definition_written_as_loops(rules: FunnelRules) -> None:
    """Per unit and per unit and value: the same level, times and open window as the
    loops of :func:`_reference`, on random visitors (entries before ``lo`` and after
    ``hi`` included)."""
    rng = random.Random(rules.steps * 31 + rules.window_us + len(rules.exclusions))
    rows = _random_rows(rng, rules)
    units, per_value, values = funnel_levels(_masked(rows, rules), rules, lo=5, hi=150)
    overall, by_value = _reference(rows, rules, lo=5, hi=150)
    assert _listed(units) == overall
    assert per_value is not None
    assert _listed(per_value, values) == by_value
    levels = {r[0] for r in overall}  # the data reaches every level, and excludes
    assert levels >= set(range(1, rules.steps + 1)) and (0 in levels) == bool(rules.exclusions)


@pytest.mark.parametrize("threads", [2, 3, 5])
def test_shares_of_units_on_several_threads_answer_as_one(
    threads: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cut into shares of whole units (one per thread), the answer is the one-thread
    answer, row for row."""
    import serving.analyses.funnel_levels as module

    rules = FunnelRules(4, 60, "ordered", (Exclusion(0, 1, 3),))
    rows = _masked(_random_rows(random.Random(threads), rules), rules)
    alone = funnel_levels(rows, rules, lo=5, hi=150)
    monkeypatch.setattr(module, "_ROWS_PER_THREAD", 1)
    monkeypatch.setattr(module.os, "cpu_count", lambda: threads)
    parts = module._parts(
        np.array([0, *np.flatnonzero(np.diff(rows["u"].to_numpy())) + 1, len(rows)]), threads
    )
    assert len(parts) == threads and all(len(p) >= 2 for p in parts)
    shared = funnel_levels(rows, rules, lo=5, hi=150)
    assert alone[2] == shared[2]
    for one, many in zip(alone[:2], shared[:2], strict=True):
        assert one is not None and many is not None
        assert _listed(one) == _listed(many)
        assert np.array_equal(one.value, many.value) if one.value is not None else True


@pytest.mark.parametrize(
    "rules",
    [
        FunnelRules(3, 30),
        FunnelRules(3, 30, "any"),
        FunnelRules(3, 40, "ordered", (Exclusion(0, 0, 1),)),
    ],
    ids=lambda r: f"{r.order}-x{len(r.exclusions)}",
)
def test_one_value_per_unit_answers_per_value_as_per_unit(rules: FunnelRules) -> None:
    """Each unit's rows of one value (a breakdown by device): the per-value answer (the
    kernel's shortcut: each unit's answer with its value) equals the loops'."""
    rows = _random_rows(random.Random(7), rules)
    rows = rows.with_columns(b=pl.col("b").first().over("u"))  # a value per unit
    units, per_value, values = funnel_levels(_masked(rows, rules), rules, lo=5, hi=150)
    overall, by_value = _reference(rows, rules, lo=5, hi=150)
    assert _listed(units) == overall
    assert per_value is not None and len(per_value) == len(units)
    assert _listed(per_value, values) == by_value
    assert len(set(values)) == 3  # every value has units


def test_value_codes_number_values_in_order_of_appearance_either_way() -> None:
    """Small integers per value (a missing value its own), whether the process's
    category numbers allow a lookup table or are too sparse for one (then by sorting)."""
    from serving.analyses.funnel_levels import value_codes

    values = pl.Series(["b", None, "a", "b", None])
    codes, names = value_codes(values)
    assert [names[c] for c in codes] == ["b", None, "a", "b", None]
    assert codes.tolist() == [0, 1, 2, 0, 1]
    # make the process's category numbers sparse: 200,000 texts seen before these
    pl.Series([f"seen-{i}" for i in range(200_000)]).cast(pl.Categorical)
    late = pl.Series(["z-late", "a", None, "z-late"])
    codes, names = value_codes(late)
    assert [names[c] for c in codes] == ["z-late", "a", None, "z-late"]
    assert len(names) == 3 and codes[0] == codes[3]
