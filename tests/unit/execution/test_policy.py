"""ExecutionPolicy: targets to order quantities, the parameter vector, the one-bar fill entry point."""

import numpy as np
import pytest

from ntlab.errors import ConfigError
from ntlab.execution import Commission, ExecutionPolicy, FillModel, Slippage, fill_order
from ntlab.execution import _fill_nb as nb


def test_order_quantity_whole_shares_lots_and_fractions():
    pol = ExecutionPolicy()
    # 3 symbols, 90k equity, target 1 -> 30k sleeve at 70 = 428.57 -> 428 whole shares
    assert pol.order_quantity(1.0, equity=90_000, price=70.0, n_symbols=3) == 428.0
    assert pol.order_quantity(1.0, equity=90_000, price=70.0, position=400, n_symbols=3) == 28.0
    assert pol.order_quantity(-0.5, equity=90_000, price=70.0, position=100, n_symbols=3) == -314.0
    assert (
        ExecutionPolicy(lot_size=100).order_quantity(1.0, equity=90_000, price=70.0, n_symbols=3)
        == 400.0
    )
    frac = ExecutionPolicy(fractional=True).order_quantity(
        1.0, equity=90_000, price=70.0, n_symbols=3
    )
    assert frac == pytest.approx(30_000 / 70)


def test_params_vector_carries_every_model_setting():
    pol = ExecutionPolicy(
        lot_size=10,
        commission=Commission(pct=0.002, fixed=1.5, per_share=0.01, minimum=2.0),
        slippage=Slippage(pct=0.0003, fixed=0.01, impact=0.2, impact_exponent=0.5),
        fills=FillModel(max_participation=0.05),
    )
    p = pol.params()
    assert p.shape == (nb.N_PARAMS,)
    assert p[nb.P_FEE_PCT] == 0.002 and p[nb.P_FEE_FIXED] == 1.5 and p[nb.P_FEE_PER_SHARE] == 0.01
    assert p[nb.P_FEE_MIN] == 2.0 and p[nb.P_SLIP_PCT] == 0.0003 and p[nb.P_SLIP_FIXED] == 0.01
    assert p[nb.P_IMPACT] == 0.2 and p[nb.P_IMPACT_EXP] == 0.5 and p[nb.P_MAX_PARTICIPATION] == 0.05
    assert p[nb.P_LOT] == 10.0
    assert ExecutionPolicy(fractional=True).params()[nb.P_LOT] == 0.0


def test_policy_round_trips_through_a_dict():
    pol = ExecutionPolicy(
        lot_size=5,
        size_at="fill",
        slippage=Slippage(pct=0.001),
        fills=FillModel(order_type="limit", entry_offset=0.01),
    )
    assert ExecutionPolicy.from_dict(pol.to_dict()) == pol


def test_fill_order_one_bar_entry_point_for_live_loops():
    p = ExecutionPolicy(commission=Commission(pct=0.001), slippage=Slippage(pct=0.0)).params()
    fill = fill_order(
        "buy", 10, {"open": 50.0, "high": 51.0, "low": 49.0, "close": 50.5, "volume": 1e6}, p
    )
    assert (fill.quantity, fill.price, fill.fee) == (10.0, 50.0, pytest.approx(0.5))
    none = fill_order(
        "sell",
        10,
        {"open": 50.0, "high": 51.0, "low": 49.0, "close": 50.5},
        p,
        order_type="limit",
        limit=52.0,
    )
    assert none.quantity == 0.0 and np.isnan(none.price)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Commission(pct=1.0),
        lambda: Commission(fixed=-1),
        lambda: Slippage(pct=float("nan")),
        lambda: Slippage(impact_exponent=0),
        lambda: FillModel(fill_at="same_bar"),
        lambda: FillModel(order_type="iceberg"),
        lambda: FillModel(max_participation=1.5),
        lambda: ExecutionPolicy(lot_size=0),
        lambda: ExecutionPolicy(size_at="noon"),
        lambda: ExecutionPolicy().order_quantity(1.5, equity=1, price=1),
        lambda: fill_order("hold", 1, {"close": 1.0}, ExecutionPolicy().params()),
        lambda: fill_order("buy", 0, {"close": 1.0}, ExecutionPolicy().params()),
    ],
)
def test_bad_settings_raise_config_errors(make):
    with pytest.raises(ConfigError):
        make()
