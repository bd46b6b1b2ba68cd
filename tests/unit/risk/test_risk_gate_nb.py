"""The gate's numba kernels against hand-computed cases (one per rule) and numpy."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ntlab.risk import _gate_nb as nb

INF = math.inf
EQ, PX = 100_000.0, 100.0


def check(qty, position=0.0, *, price=PX, equity=EQ, gross=None, sector=None, pos_value=INF, pos_frac=INF,
          leverage=INF, sector_frac=INF, corr=-INF, max_corr=INF, halt=nb.APPROVED, lot=0.0):  # fmt: skip
    own = abs(position) * price
    gross = own if gross is None else gross
    sector = own if sector is None else sector
    q, code = nb.check_order_nb(
        float(qty), float(position), price, equity, gross, sector, pos_value, pos_frac,
        leverage, sector_frac, corr, max_corr, halt, lot,
    )  # fmt: skip
    return float(q), int(code)


def test_no_limits_approves():
    assert check(150) == (150, nb.APPROVED)
    assert check(-150) == (-150, nb.APPROVED)


def test_position_limit_currency_and_fraction():
    assert check(150, pos_value=10_000) == (100, nb.POSITION_LIMIT)  # 10,000 / 100 = 100 units
    assert check(150, pos_value=10_000, pos_frac=0.05) == (
        50,
        nb.POSITION_LIMIT,
    )  # 5% of 100k is tighter
    assert check(-150, pos_value=10_000) == (-100, nb.POSITION_LIMIT)  # shorts too
    assert check(30, 60, pos_value=10_000) == (30, nb.APPROVED)
    assert check(60, 60, pos_value=10_000) == (40, nb.POSITION_LIMIT)
    assert check(10, 120, pos_value=10_000) == (
        0,
        nb.POSITION_LIMIT,
    )  # already over the cap: no more


def test_orders_that_reduce_always_pass():
    assert check(-50, 120, pos_value=10_000) == (-50, nb.REDUCES_EXPOSURE)
    assert check(-120, 120, halt=nb.HALT_DRAWDOWN) == (-120, nb.REDUCES_EXPOSURE)
    # crossing through zero keeps the closing part and caps the new short
    assert check(-200, 50, pos_value=10_000) == (-150, nb.POSITION_LIMIT)
    assert check(-150, 100, halt=nb.HALT_DAILY_LOSS) == (-100, nb.HALT_DAILY_LOSS)


def test_leverage_limit():
    # 95,000 already invested elsewhere, leverage 1: 5,000 of room = 50 units
    assert check(100, gross=95_000, leverage=1.0) == (50, nb.LEVERAGE_LIMIT)
    assert check(100, gross=95_000, leverage=2.0) == (100, nb.APPROVED)
    assert check(100, gross=120_000, leverage=1.0) == (0, nb.LEVERAGE_LIMIT)
    # the symbol's own exposure is part of gross: 20 units held (2,000) of 100,000 gross
    assert check(100, 20, gross=100_000, leverage=1.05) == (50, nb.LEVERAGE_LIMIT)


def test_sector_limit():
    assert check(100, sector=15_000, sector_frac=0.2) == (50, nb.SECTOR_LIMIT)
    assert check(100, sector=25_000, sector_frac=0.2) == (0, nb.SECTOR_LIMIT)


def test_correlation_limit():
    assert check(100, corr=0.9, max_corr=0.8) == (0, nb.CORRELATION_LIMIT)
    assert check(100, corr=0.7, max_corr=0.8) == (100, nb.APPROVED)


def test_halt_rejects_new_exposure():
    assert check(10, halt=nb.HALT_DAILY_LOSS) == (0, nb.HALT_DAILY_LOSS)
    assert check(10, 5, halt=nb.HALT_DRAWDOWN) == (0, nb.HALT_DRAWDOWN)


def test_tightest_limit_wins_and_names_itself():
    assert check(150, gross=95_000, leverage=1.0, pos_value=10_000) == (50, nb.LEVERAGE_LIMIT)
    assert check(
        150, gross=50_000, leverage=1.0, pos_value=10_000, sector=18_000, sector_frac=0.2
    ) == (
        20,
        nb.SECTOR_LIMIT,
    )


def test_lot_rounding():
    assert check(55, lot=10) == (50, nb.LOT_SIZE)
    assert check(5, lot=10) == (0, nb.LOT_SIZE)
    assert check(100, pos_value=5_700, lot=10) == (50, nb.POSITION_LIMIT)
    assert nb.floor_to_lot_nb(-55.0, 10.0) == -50.0
    assert nb.floor_to_lot_nb(0.3, 0.1) == pytest.approx(0.3)  # 0.3 / 0.1 = 2.9999999999999996 lots
    assert nb.floor_to_lot_nb(7.5, 0.0) == 7.5


@pytest.mark.parametrize(
    "bad", [{"price": float("nan")}, {"price": 0.0}, {"equity": 0.0}, {"equity": -5.0}]
)
def test_invalid_inputs(bad):
    assert check(10, **bad) == (0, nb.INVALID_INPUT)
    assert check(float("inf")) == (0, nb.INVALID_INPUT)


def test_batch_applies_orders_in_sequence_reductions_first():
    # three names in one sector (id 0), equity 100k, sector cap 30%, leverage 1
    positions = np.array([100.0, 0.0, 200.0])  # 10k, 0, 20k at price 100
    prices = np.full(3, 100.0)
    orders = np.array([150.0, 150.0, -100.0])  # buy, buy, sell (listed last, processed first)
    allowed, codes = nb.check_orders_nb(
        orders, positions, prices, np.zeros(3, dtype=np.int64), EQ, INF, INF, 1.0, 0.30,
        np.full(3, -INF), INF, nb.APPROVED, 1.0,
    )  # fmt: skip
    # the sell frees 10k (sector 20k); the first buy takes the 10k left; the second gets nothing
    np.testing.assert_array_equal(allowed, [100.0, 0.0, -100.0])
    np.testing.assert_array_equal(codes, [nb.SECTOR_LIMIT, nb.SECTOR_LIMIT, nb.REDUCES_EXPOSURE])
    # no sector ids (-1): only leverage binds; selling all 200 leaves 10k gross, the first
    # buy takes 60k of the 90k room and the second the remaining 30k
    allowed, codes = nb.check_orders_nb(
        np.array([600.0, 600.0, -200.0]), positions, prices, np.full(3, -1, dtype=np.int64), EQ, INF, INF, 1.0, 0.30,
        np.full(3, -INF), INF, nb.APPROVED, 1.0,
    )  # fmt: skip
    np.testing.assert_array_equal(allowed, [600.0, 300.0, -200.0])
    np.testing.assert_array_equal(codes, [nb.APPROVED, nb.LEVERAGE_LIMIT, nb.REDUCES_EXPOSURE])


def test_breaker_trips_on_daily_loss_and_drawdown():
    assert nb.breaker_nb(97_900.0, 100_000.0, 100_000.0, 0.02, INF, INF) == nb.HALT_DAILY_LOSS
    assert (
        nb.breaker_nb(98_000.0, 100_000.0, 100_000.0, 0.02, INF, INF) == nb.HALT_DAILY_LOSS
    )  # at the limit
    assert nb.breaker_nb(98_100.0, 100_000.0, 100_000.0, 0.02, INF, INF) == nb.APPROVED
    assert (
        nb.breaker_nb(98_400.0, 100_000.0, 100_000.0, 0.02, 1_500.0, INF) == nb.HALT_DAILY_LOSS
    )  # currency cap
    assert (
        nb.breaker_nb(100_000.0, 100_000.0, 120_000.0, INF, INF, 0.15) == nb.HALT_DRAWDOWN
    )  # 16.7% down
    assert (
        nb.breaker_nb(103_000.0, 100_000.0, 120_000.0, INF, INF, 0.15) == nb.APPROVED
    )  # 14.2% down
    assert nb.breaker_nb(1.0, 0.0, 1.0, INF, INF, INF) == nb.INVALID_INPUT


def test_breaker_latches_until_its_reset():
    args = (100_000.0, 120_000.0, 0.02, INF, 0.15)  # day start, peak, limits
    code = nb.latch_breaker_nb(nb.APPROVED, False, 97_000.0, *args)
    assert code == nb.HALT_DAILY_LOSS
    assert (
        nb.latch_breaker_nb(code, False, 104_000.0, *args) == nb.HALT_DAILY_LOSS
    )  # recovery does not clear it
    assert nb.latch_breaker_nb(code, True, 104_000.0, *args) == nb.APPROVED  # a new day does
    dd = nb.latch_breaker_nb(nb.APPROVED, False, 101_000.0, 100_000.0, 120_000.0, INF, INF, 0.15)
    assert dd == nb.HALT_DRAWDOWN
    assert (
        nb.latch_breaker_nb(dd, True, 110_000.0, *args) == nb.HALT_DRAWDOWN
    )  # only a manual reset clears it


def test_max_correlation_matches_numpy():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 5))
    x[:, 1] += 2 * x[:, 0]  # strongly positively correlated with column 0
    x[:, 2] -= 2 * x[:, 0]  # strongly negatively correlated
    c = np.corrcoef(x, rowvar=False)
    signs = np.array([0.0, 1.0, 0.0, 1.0, 1.0])  # hold 1, 3, 4 long
    best, arg = nb.max_correlation_nb(x, 0, signs, 20)
    assert arg == 1 and best == pytest.approx(c[0, 1], rel=1e-12)
    signs = np.array([0.0, 0.0, -1.0, 1.0, 0.0])  # short 2: a long in 0 adds to that risk
    best, arg = nb.max_correlation_nb(x, 0, signs, 20)
    assert arg == 2 and best == pytest.approx(-c[0, 2], rel=1e-12)
    assert nb.max_correlation_nb(x, 0, np.zeros(5), 20) == (-INF, -1)
    # NaN rows are dropped pair by pair; too little shared history skips the pair
    y = x.copy()
    y[:10, 1] = np.nan
    best, arg = nb.max_correlation_nb(y, 0, np.array([0.0, 1.0, 0.0, 0.0, 0.0]), 20)
    assert arg == 1 and best == pytest.approx(np.corrcoef(x[10:, 0], x[10:, 1])[0, 1], rel=1e-12)
    assert nb.max_correlation_nb(y, 0, np.array([0.0, 1.0, 0.0, 0.0, 0.0]), 55) == (-INF, -1)


def test_every_code_has_a_message():
    codes = [
        v
        for k, v in vars(nb).items()
        if k.isupper() and isinstance(v, int) and not k.startswith("_")
    ]
    assert sorted(codes) == list(range(10)) == sorted(nb.REASONS)
