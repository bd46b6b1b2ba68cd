"""The shared fill/cost kernels against hand-computed cases (every number written out)."""

import math

import numpy as np
import pytest

from ntlab.execution import Commission, ExecutionPolicy, FillModel, Slippage
from ntlab.execution import _fill_nb as nb

NAN = float("nan")


def params(**kw):
    pol = ExecutionPolicy(
        commission=Commission(
            pct=kw.get("pct", 0.0),
            fixed=kw.get("fixed", 0.0),
            per_share=kw.get("per_share", 0.0),
            minimum=kw.get("minimum", 0.0),
        ),
        slippage=Slippage(
            pct=kw.get("slip", 0.0),
            fixed=kw.get("slip_fixed", 0.0),
            impact=kw.get("impact", 0.0),
            impact_exponent=kw.get("exp", 1.0),
        ),
        fills=FillModel(max_participation=kw.get("cap", 0.0)),
        lot_size=kw.get("lot", 1.0),
        fractional=kw.get("fractional", False),
    )
    return pol.params()


def test_commission_fixed_pct_per_share_and_minimum():
    p = params(pct=0.001, fixed=1.0, per_share=0.005)
    # 1 + 0.005 * 200 + 0.001 * 200 * 50 = 1 + 1 + 10
    assert nb.commission_nb(200.0, 50.0, p) == pytest.approx(12.0)
    assert nb.commission_nb(0.0, 50.0, p) == 0.0
    assert nb.commission_nb(1.0, 10.0, params(pct=0.001, minimum=2.5)) == 2.5  # 0.01 -> minimum


def test_slippage_pct_fixed_and_volume_impact():
    assert nb.slipped_price_nb(1, 100.0, 10.0, NAN, params(slip=0.001)) == pytest.approx(100.1)
    assert nb.slipped_price_nb(
        -1, 100.0, 10.0, NAN, params(slip=0.001, slip_fixed=0.02)
    ) == pytest.approx(99.88)
    # square-root impact: 0.1 * sqrt(400 / 10_000) = 0.02 on top of 0.001
    p = params(slip=0.001, impact=0.1, exp=0.5)
    assert nb.slipped_price_nb(1, 50.0, 400.0, 10_000.0, p) == pytest.approx(50.0 * 1.021)
    assert nb.slipped_price_nb(1, 50.0, 400.0, NAN, p) == pytest.approx(
        50.0 * 1.001
    )  # no volume: no impact


@pytest.mark.parametrize(
    ("side", "otype", "limit", "stop", "bar", "expected"),
    [
        (1, nb.MARKET, NAN, NAN, (10, 11, 9, 10.5), 10.0),
        (1, nb.MARKET_ON_CLOSE, NAN, NAN, (10, 11, 9, 10.5), 10.5),
        (1, nb.LIMIT, 9.5, NAN, (10, 11, 9, 10.5), 9.5),  # range reaches the limit
        (1, nb.LIMIT, 10.5, NAN, (10, 11, 9, 10.5), 10.0),  # opens below the limit: the open
        (1, nb.LIMIT, 8.5, NAN, (10, 11, 9, 10.5), NAN),  # never reached
        (-1, nb.LIMIT, 10.8, NAN, (10, 11, 9, 10.5), 10.8),
        (1, nb.STOP, NAN, 10.8, (10, 11, 9, 10.5), 10.8),  # breakout buy
        (1, nb.STOP, NAN, 9.8, (10, 11, 9, 10.5), 10.0),  # opened above the stop: the open
        (-1, nb.STOP, NAN, 9.2, (10, 11, 9, 10.5), 9.2),
        (-1, nb.STOP, NAN, 10.2, (10, 11, 9, 10.5), 10.0),  # gap through a sell stop: the open
        (-1, nb.STOP, NAN, 8.0, (10, 11, 9, 10.5), NAN),
        (1, nb.MARKET, NAN, NAN, (NAN, NAN, NAN, 10.5), 10.5),  # close-only data
        (1, nb.MARKET, NAN, NAN, (NAN, NAN, NAN, NAN), NAN),  # no bar
    ],
)
def test_trigger_prices(side, otype, limit, stop, bar, expected):
    got = nb.trigger_price_nb(side, otype, limit, stop, *bar)
    assert (math.isnan(got) and math.isnan(expected)) or got == pytest.approx(expected)


def test_fill_order_market_with_costs_and_volume_cap():
    p = params(pct=0.001, slip=0.002, cap=0.1)
    # 1000 wanted, bar volume 5000 -> 10% cap = 500 shares at 20 * 1.002, fee 0.1% of that
    q, price, fee = nb.fill_order_nb(
        1, 1000.0, nb.MARKET, NAN, NAN, 20.0, 21.0, 19.0, 20.5, 5000.0, p
    )
    assert q == 500.0
    assert price == pytest.approx(20.04)
    assert fee == pytest.approx(500 * 20.04 * 0.001)


def test_limit_fills_pay_no_slippage_and_lots_round_down():
    p = params(slip=0.01, lot=100.0, cap=0.1)
    q, price, _ = nb.fill_order_nb(
        -1, 1000.0, nb.LIMIT, 10.8, NAN, 10.0, 11.0, 9.0, 10.5, 2550.0, p
    )
    assert q == 200.0  # 255 capped, rounded down to lots of 100
    assert price == 10.8
    assert nb.fill_order_nb(1, 10.0, nb.MARKET, NAN, NAN, 10.0, 11.0, 9.0, 10.5, 50.0, p)[0] == 0.0


def test_sizing_whole_shares_lots_and_fractions():
    # 1/4 sleeve of 100k at 33 -> 757.57 shares
    assert nb.target_shares_nb(1.0, 0.25, 100_000.0, 33.0, 1.0) == 757.0
    assert nb.target_shares_nb(-1.0, 0.25, 100_000.0, 33.0, 1.0) == -757.0
    assert nb.target_shares_nb(1.0, 0.25, 100_000.0, 33.0, 100.0) == 700.0
    assert nb.target_shares_nb(1.0, 0.25, 100_000.0, 33.0, 0.0) == pytest.approx(25_000 / 33)
    assert nb.target_shares_nb(1.0, 0.25, 100_000.0, NAN, 1.0) == 0.0
    assert nb.target_shares_nb(1.0, 0.25, -5.0, 33.0, 1.0) == 0.0
    assert nb.order_qty_nb(0.5, 1.0, 10_000.0, 50.0, 60.0, 1.0) == 40.0
    assert nb.order_qty_nb(0.0, 1.0, 10_000.0, 50.0, 60.0, 1.0) == -60.0
    assert nb.order_qty_nb(0.3, 1.0, 10_000.0, 50.0, 60.0, 1.0) == 0.0


def test_buying_power_cash_account_matches_vectorbt_cash_limit():
    p = params(pct=0.001, fixed=1.0)
    # cash 1000, buying at 10.1 (slipped from mark 10): vectorbt's cap is (cash - fixed) / (1 + fees) / price
    q = nb.cap_to_buying_power_nb(
        1,
        500.0,
        10.1,
        10.0,
        0.0,
        1000.0,
        0.0,
        0.0,
        1.0,
        params(pct=0.001, fixed=1.0, fractional=True),
    )
    assert q == pytest.approx((1000 - 1) / 1.001 / 10.1)
    assert (
        nb.cap_to_buying_power_nb(1, 500.0, 10.1, 10.0, 0.0, 1000.0, 0.0, 0.0, 1.0, p) == 98.0
    )  # whole shares
    assert (
        nb.cap_to_buying_power_nb(1, 50.0, 10.1, 10.0, 0.0, 1000.0, 0.0, 0.0, 1.0, p) == 50.0
    )  # fits


def test_buying_power_never_cuts_the_closing_part_and_margin_doubles_room():
    p = params(fractional=True)
    # short 100 at mark 10, no cash room: buying 150 covers 100 (always allowed) and opens at most what fits
    q = nb.cap_to_buying_power_nb(1, 150.0, 10.0, 10.0, -100.0, 1000.0, 0.0, 1000.0, 1.0, p)
    assert q == pytest.approx(100.0)  # equity 0 after covering -> nothing more
    # equity 10_000 in cash, 50% margin: gross up to 20_000 -> 2000 shares at 10
    assert nb.cap_to_buying_power_nb(
        1, 5000.0, 10.0, 10.0, 0.0, 10_000.0, 0.0, 0.0, 0.5, p
    ) == pytest.approx(2000.0)
    assert nb.cap_to_buying_power_nb(
        -1, 5000.0, 10.0, 10.0, 0.0, 10_000.0, 0.0, 0.0, 0.5, p
    ) == pytest.approx(2000.0)


@pytest.mark.parametrize(
    ("position", "bar", "expected_price", "reason"),
    [
        (100.0, (100.0, 104.0, 97.0, 101.0), 98.0, 1),  # touches the stop only
        (100.0, (100.0, 106.0, 99.0, 101.0), 105.0, 2),  # take-profit only, at the level
        (100.0, (100.0, 106.0, 97.0, 101.0), 98.0, 1),  # both touched: the stop counts
        (100.0, (96.0, 99.0, 95.0, 97.0), 96.0, 1),  # gap through the stop: the open, not the stop
        (100.0, (107.0, 108.0, 97.0, 101.0), 107.0, 2),  # opens beyond the take-profit: the open
        (100.0, (100.0, 104.0, 99.0, 101.0), NAN, 0),  # neither
        (-100.0, (100.0, 102.5, 99.0, 101.0), 102.0, 1),  # short: stop above
        (-100.0, (100.0, 101.0, 94.0, 96.0), 95.0, 2),  # short: take below
    ],
)
def test_protective_exits(position, bar, expected_price, reason):
    stop, take = (98.0, 105.0) if position > 0 else (102.0, 95.0)
    q, price, fee, why = nb.protective_exit_nb(position, stop, take, *bar, NAN, params())
    assert why == reason
    if reason:
        assert q == 100.0 and price == pytest.approx(expected_price) and fee == 0.0
    else:
        assert q == 0.0


def test_protective_stop_pays_slippage_take_profit_does_not():
    p = params(slip=0.01)
    assert nb.protective_exit_nb(10.0, 98.0, 105.0, 100.0, 101.0, 97.0, 99.0, NAN, p)[
        1
    ] == pytest.approx(98.0 * 0.99)
    assert nb.protective_exit_nb(10.0, 98.0, 105.0, 100.0, 106.0, 99.0, 99.0, NAN, p)[1] == 105.0


def test_round_lot_toward_zero():
    assert nb.round_lot_nb(2.9999999999, 1.0) == 3.0  # float noise is not a lost share
    assert nb.round_lot_nb(-250.0, 100.0) == -200.0
    assert nb.round_lot_nb(0.37, 0.0) == 0.37
    assert np.isclose(nb.round_lot_nb(0.37, 0.1), 0.3)
