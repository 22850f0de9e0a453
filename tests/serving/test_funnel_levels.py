"""The funnel definition applied to hand-made candidate rows (no engine): entries, the
best chain per unit, the latest entry reaching it, exclusions and breakdown values."""

from __future__ import annotations

import polars as pl

from serving.analyses.funnel_levels import Exclusion, FunnelRules, entry_levels, unit_levels


def _masked(rows: pl.DataFrame, rules: FunnelRules) -> pl.DataFrame:
    """Rows with one boolean column per condition (``s0``…, ``x0``…) as the engine
    sends them: the conditions as the bits of ``m``."""
    names = [c for c in rules.columns if c in rows.columns]
    mask = sum((pl.col(c).cast(pl.Int64) * rules.bit(c) for c in names), pl.lit(0))
    return rows.with_columns(m=mask).drop(names)


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


def test_entries_follow_each_chain_and_mark_exclusions() -> None:
    entries = entry_levels(MASKED, RULES, lo=0, hi=50)
    assert entries.select("u", "b", "e_seq", "level", "t0", "t1", "t2", "excluded").rows() == [
        (1, "desktop", 0, 3, 0, 10, 40, False),
        (1, "mobile", 2, 3, 20, 30, 40, False),
        (2, "desktop", 5, 2, 5, 7, -1, True),
    ]


def test_a_unit_reports_its_latest_entry_reaching_its_best_level() -> None:
    """Visitor 1: the entry at 20 (the later of two reaching step 3), its window open at
    the range's end (20 + 100 > 50); visitor 2: every entry excluded, so level 0."""
    units = unit_levels(entry_levels(MASKED, RULES, lo=0, hi=50), [], RULES, hi=50)
    assert units.sort("u").rows() == [(1, 3, 20, 30, 40, True), (2, 0, -1, -1, -1, False)]


def test_each_breakdown_value_keeps_its_own_entries() -> None:
    units = unit_levels(entry_levels(MASKED, RULES, lo=0, hi=50), ["b"], RULES, hi=50)
    assert units.sort("b", "u").rows() == [
        ("desktop", 1, 3, 0, 10, 40, True),
        ("desktop", 2, 0, -1, -1, -1, False),
        ("mobile", 1, 3, 20, 30, 40, True),
    ]


def test_windows_closed_at_the_end_of_the_range_are_not_open() -> None:
    units = unit_levels(entry_levels(MASKED, RULES, lo=0, hi=200), [], RULES, hi=200)
    assert units["open"].to_list() == [False, False]


def test_no_candidate_rows_give_no_entries_in_every_order() -> None:
    """A funnel over a range with no matching event (found by the schema fuzzer)."""
    for order in ("ordered", "strict", "any"):
        rules = FunnelRules(2, 100, order, (Exclusion(0, 0, 1),))
        empty = _masked(ROWS, rules).clear()
        entries = entry_levels(empty, rules, lo=0, hi=50)
        assert entries.height == 0
        assert unit_levels(entries, [], rules, hi=50).height == 0


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


def test_an_entry_followed_by_another_of_its_value_is_skipped_with_the_same_answer() -> None:
    """The entry at 10 is outdone by the one at 20 (same value, matching no later step)
    and skipped; the one at 0 is kept: the next one has another value, so ``a``'s row
    still counts visitor 1 (at level 1)."""
    rules = FunnelRules(2, 25)
    entries = entry_levels(_masked(RUN, rules), rules, lo=0, hi=100)
    assert entries.select("e_seq", "level", "t0", "t1").rows() == [(0, 1, 0, -1), (2, 2, 20, 30)]
    assert unit_levels(entries, [], rules, hi=100).rows() == [(1, 2, 20, 30, False)]
    by_value = unit_levels(entries, ["b"], rules, hi=100)
    assert by_value.sort("b").rows() == [("a", 1, 1, 0, -1, False), ("b", 1, 2, 20, 30, False)]


def _brute_force(rows: pl.DataFrame, steps: int, window: int, lo: int, hi: int) -> list:
    """The ordered definition, entry by entry with loops: per unit its best level, the
    times of the latest entry reaching it, and whether an entry's window is open."""
    found = []
    for (unit,), mine in rows.group_by(["u"], maintain_order=True):
        events = mine.rows(named=True)
        best: tuple = (0, -1, [])
        open_ = False
        for i, e in enumerate(events):
            if not (e["s0"] and lo <= e["t"] < hi):
                continue
            open_ = open_ or e["t"] + window > hi
            chain, last = [e["t"]], i
            for k in range(1, steps):
                nxt = next(
                    (
                        j
                        for j in range(last + 1, len(events))
                        if events[j][f"s{k}"] and events[j]["t"] <= e["t"] + window
                    ),
                    None,
                )
                if nxt is None:
                    break
                chain.append(events[nxt]["t"])
                last = nxt
            if (len(chain), i) >= best[:2]:
                best = (len(chain), i, chain)
        times = best[2] + [-1] * (steps - len(best[2]))
        found.append((unit, best[0], *times, open_))
    return found


def test_skipping_entries_agrees_with_following_every_entry_on_random_visitors() -> None:
    """Many random visitors (runs of step-1 events, repeats, steps sharing events) against
    a loop over every entry: the same level, times and open window for each."""
    import random

    rng = random.Random(7)
    for steps in (2, 3, 4):
        rows = []
        for unit in range(300):
            t = 0
            for _ in range(rng.randint(1, 12)):
                t += rng.choice([0, 1, 3, 10, 40])
                flags = [rng.random() < 0.45 for _ in range(steps)]
                if not any(flags):
                    flags[rng.randrange(steps)] = True
                rows.append({"u": unit, "t": t, **{f"s{k}": f for k, f in enumerate(flags)}})
        frame = pl.DataFrame(rows).sort(
            "u", "t", *[f"s{k}" for k in range(steps)], descending=[False, False, *[True] * steps]
        )
        rules = FunnelRules(steps, 30)
        entries = entry_levels(_masked(frame, rules), rules, lo=5, hi=120)
        units = unit_levels(entries, [], rules, hi=120)
        expected = [r for r in _brute_force(frame, steps, 30, 5, 120) if r[1] > 0]
        assert units.sort("u").rows() == expected
