"""The session's bar kernels against plain-Python references (the ExecutionPolicy's own sizing)."""

import numpy as np
import pytest

from ntlab.execution.policy import ExecutionPolicy
from ntlab.live import _nb


def test_decide_sizes_only_changed_targets_like_the_policy():
    rng = np.random.default_rng(3)
    m = 40
    policy = ExecutionPolicy()
    prev = rng.choice([-1.0, -0.5, 0.0, 0.5, 1.0], m)
    target = prev.copy()
    flip = rng.random(m) < 0.4
    target[flip] = rng.choice([-1.0, 0.0, 0.3, 1.0], flip.sum())
    position = rng.integers(-300, 300, m).astype(float)
    mark = rng.uniform(5, 500, m)
    mark[3] = np.nan  # never priced: a target cannot be sized
    changed = np.zeros(m, dtype=bool)
    before = prev.copy()
    qty = _nb.decide_nb(target, prev, position, mark, 250_000.0, 1 / m, policy.lot, changed)
    for j in range(m):
        if target[j] == before[j]:
            assert qty[j] == 0 and not changed[j]  # no change, no order, even if off target
            continue
        assert changed[j]
        price = mark[j] if np.isfinite(mark[j]) else 0.0
        want = policy.order_quantity(
            target[j], equity=250_000.0, price=price, position=position[j], n_symbols=m
        )
        assert qty[j] == want
    np.testing.assert_array_equal(prev, target)  # prev_target updated in place


def test_decide_whole_shares_by_hand():
    changed = np.zeros(2, dtype=bool)
    qty = _nb.decide_nb(np.array([1.0, -0.5]), np.zeros(2), np.array([10.0, 0.0]), np.array([33.0, 20.0]),
                        10_000.0, 0.5, 1.0, changed)  # fmt: skip
    # sleeve 5000: floor(5000 / 33) = 151 shares, 10 held -> 141; short half a sleeve: -125 shares
    np.testing.assert_array_equal(qty, [141.0, -125.0])


def test_combine_averages_targets_with_nan_as_flat():
    t = np.array([[1.0, -1.0, np.nan, 0.5], [1.0, 1.0, 1.0, np.nan], [0.0, 1.0, -1.0, 0.5]])
    np.testing.assert_allclose(_nb.combine_targets_nb(t), np.nan_to_num(t).mean(axis=0))
    assert _nb.combine_targets_nb(np.zeros((0, 3))).tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("qty", "avg", "close", "busy", "stop", "take", "want"),
    [
        (10, 100.0, 94.9, False, 0.05, 0.10, 1),  # long fell 5.1%: stop
        (10, 100.0, 95.1, False, 0.05, 0.10, 0),
        (10, 100.0, 110.0, False, 0.05, 0.10, 2),  # long rose 10%: take profit
        (-10, 100.0, 105.0, False, 0.05, 0.10, 1),  # short, price up 5%: stop
        (-10, 100.0, 89.0, False, 0.05, 0.10, 2),
        (10, 100.0, 50.0, True, 0.05, 0.10, 0),  # an order is working: leave it
        (10, 100.0, np.nan, False, 0.05, 0.10, 0),  # no bar
        (10, 100.0, 50.0, False, 0.0, 0.0, 0),  # levels off
        (0, 0.0, 50.0, False, 0.05, 0.10, 0),
    ],
)
def test_protective_exits_by_hand(qty, avg, close, busy, stop, take, want):
    got = _nb.protective_exits_nb(
        np.array([float(qty)]), np.array([avg]), np.array([close]), np.array([busy]), stop, take
    )
    assert got[0] == want
