"""The funnel tally (per group counts, durations and histograms) against hand-worked
cases and a NumPy reference."""

from __future__ import annotations

import numpy as np
import pytest

from serving.analyses.funnel_tally import tally

EDGES = np.array([0, 10, 100], dtype=np.int64)


def test_hand_worked_groups() -> None:
    # three steps; units: level 3 (times 0, 5, 50), level 2 (times 1, 21), level 1
    # open, level 0 (excluded), level 3 (times 0, 100, 250) in group 1
    level = np.array([3, 2, 1, 0, 3])
    times = np.array([[0, 5, 50], [1, 21, -1], [7, -1, -1], [-1, -1, -1], [0, 100, 250]])
    open_ = np.array([False, True, True, True, False])
    groups = np.array([0, 0, 0, 0, 1])
    counted = tally(level, times, open_, groups, 2, EDGES)
    assert counted.reached.tolist() == [[1, 1, 1, 1], [0, 0, 0, 1]]
    # the excluded unit's open flag is not counted: it has no level to wait at
    assert counted.waiting.tolist() == [[0, 1, 1, 0], [0, 0, 0, 0]]
    step2, hist2 = counted.slot(0, 1)
    assert sorted(step2.tolist()) == [5, 20]
    assert hist2.tolist() == [1, 1, 0]  # 5 in [0, 10), 20 in [10, 100)
    step3, hist3 = counted.slot(0, 2)
    assert step3.tolist() == [45] and hist3.tolist() == [0, 1, 0]
    total, hist_total = counted.slot(0, 0)
    assert total.tolist() == [50] and hist_total.tolist() == [0, 1, 0]
    total1, hist_total1 = counted.slot(1, 0)
    assert total1.tolist() == [250] and hist_total1.tolist() == [0, 0, 1]
    assert counted.slot(1, 1)[0].tolist() == [100] and counted.slot(1, 2)[0].tolist() == [150]


def test_one_group_and_nothing() -> None:
    one = tally(np.array([1]), np.array([[3]]), np.array([False]), None, 1, EDGES)
    assert one.reached.tolist() == [[0, 1]]
    assert one.slot(0, 0)[0].tolist() == [0]  # a one-step funnel converts at once
    nothing = np.zeros(0, np.int64)
    empty = tally(nothing, np.zeros((0, 2), np.int64), nothing.astype(bool), None, 1, EDGES)
    assert empty.reached.tolist() == [[0, 0, 0]] and len(empty.durations) == 0


@pytest.mark.parametrize("seed", range(5))
def test_random_against_numpy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, steps, n_groups = 500, 4, 3
    level = rng.integers(0, steps + 1, n)
    gaps = rng.integers(0, 150, (n, steps))
    times = np.where(np.arange(steps) < level[:, None], np.cumsum(gaps, axis=1), -1)
    open_ = rng.random(n) < 0.3
    groups = rng.integers(0, n_groups, n)
    counted = tally(level, times, open_, groups, n_groups, EDGES)
    for g in range(n_groups):
        mine = groups == g
        assert counted.reached[g].tolist() == np.bincount(level[mine], minlength=steps + 1).tolist()
        waiting = np.bincount(level[mine & open_ & (level > 0)], minlength=steps + 1)
        assert counted.waiting[g].tolist() == waiting.tolist()
        for k in range(steps):
            if k:
                want = (times[:, k] - times[:, k - 1])[mine & (level >= k + 1)]
            else:
                want = (times[:, steps - 1] - times[:, 0])[mine & (level == steps)]
            got, hist = counted.slot(g, k)
            assert sorted(got.tolist()) == sorted(want.tolist())
            bucket = np.searchsorted(EDGES, want, side="right") - 1
            assert hist.tolist() == np.bincount(bucket[bucket >= 0], minlength=len(EDGES)).tolist()


@pytest.mark.parametrize("seed", range(3))
def test_the_total_group_is_every_unit_tallied_as_one(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, steps = 300, 3
    level = rng.integers(0, steps + 1, n)
    times = np.where(
        np.arange(steps) < level[:, None], np.cumsum(rng.integers(0, 150, (n, steps)), 1), -1
    )
    open_ = rng.random(n) < 0.3
    groups = rng.integers(0, 2, n)
    both = tally(level, times, open_, groups, 2, EDGES, total=True)
    alone = tally(level, times, open_, None, 1, EDGES)
    apart = tally(level, times, open_, groups, 2, EDGES)
    assert both.reached[2].tolist() == alone.reached[0].tolist()
    assert both.waiting[2].tolist() == alone.waiting[0].tolist()
    assert both.reached[:2].tolist() == apart.reached.tolist()
    for k in range(steps):
        for group, (other, g) in ((2, (alone, 0)), (0, (apart, 0)), (1, (apart, 1))):
            got, hist = both.slot(group, k)
            want, want_hist = other.slot(g, k)
            assert sorted(got.tolist()) == sorted(want.tolist())
            assert hist.tolist() == want_hist.tolist()
