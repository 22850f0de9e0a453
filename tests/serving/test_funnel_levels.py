"""The funnel definition applied to hand-made candidate rows (no engine): entries, the
best chain per unit, the latest entry reaching it, exclusions and breakdown values."""

from __future__ import annotations

import polars as pl

from serving.analyses.funnel_levels import Exclusion, FunnelRules, entry_levels, unit_levels

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


def test_entries_follow_each_chain_and_mark_exclusions() -> None:
    entries = entry_levels(ROWS, RULES, lo=0, hi=50)
    assert entries.select("u", "b", "e_seq", "level", "t0", "t1", "t2", "excluded").rows() == [
        (1, "desktop", 0, 3, 0, 10, 40, False),
        (1, "mobile", 2, 3, 20, 30, 40, False),
        (2, "desktop", 5, 2, 5, 7, -1, True),
    ]


def test_a_unit_reports_its_latest_entry_reaching_its_best_level() -> None:
    """Visitor 1: the entry at 20 (the later of two reaching step 3), its window open at
    the range's end (20 + 100 > 50); visitor 2: every entry excluded, so level 0."""
    units = unit_levels(entry_levels(ROWS, RULES, lo=0, hi=50), [], RULES, hi=50)
    assert units.sort("u").rows() == [(1, 3, 20, 30, 40, True), (2, 0, -1, -1, -1, False)]


def test_each_breakdown_value_keeps_its_own_entries() -> None:
    units = unit_levels(entry_levels(ROWS, RULES, lo=0, hi=50), ["b"], RULES, hi=50)
    assert units.sort("b", "u").rows() == [
        ("desktop", 1, 3, 0, 10, 40, True),
        ("desktop", 2, 0, -1, -1, -1, False),
        ("mobile", 1, 3, 20, 30, 40, True),
    ]


def test_windows_closed_at_the_end_of_the_range_are_not_open() -> None:
    units = unit_levels(entry_levels(ROWS, RULES, lo=0, hi=200), [], RULES, hi=200)
    assert units["open"].to_list() == [False, False]


def test_no_candidate_rows_give_no_entries_in_every_order() -> None:
    """A funnel over a range with no matching event (found by the schema fuzzer)."""
    for order in ("ordered", "strict", "any"):
        rules = FunnelRules(2, 100, order, (Exclusion(0, 0, 1),))
        empty = ROWS.clear()
        entries = entry_levels(empty, rules, lo=0, hi=50)
        assert entries.height == 0
        assert unit_levels(entries, [], rules, hi=50).height == 0
