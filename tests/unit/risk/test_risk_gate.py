"""RiskGate: every limit approves, resizes or rejects with a reason; the circuit breaker trips and resets."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

import numpy as np
import pytest

from ntlab.errors import ConfigError, DataError, RiskError
from ntlab.model import OrderRequest, OrderSide, OrderType
from ntlab.risk import PortfolioState, RiskGate, RiskLimits
from ntlab.risk import _gate_nb as nb


def buy(symbol, qty, **kw):
    return OrderRequest(symbol=symbol, side=OrderSide.BUY, quantity=qty, **kw)


def sell(symbol, qty, **kw):
    return OrderRequest(symbol=symbol, side=OrderSide.SELL, quantity=qty, **kw)


def state(positions=None, prices=None, cash=100_000.0, **kw):
    prices = {"AAA": 100.0, "BBB": 50.0, "CCC": 20.0, "DDD": 10.0} | (prices or {})
    return PortfolioState(cash=cash, positions=positions or {}, prices=prices, **kw)


def ts(day, hour=15):
    return datetime(2024, 3, day, hour, tzinfo=UTC)  # 15:00 UTC is 11:00 in New York


def test_approve_within_limits():
    gate = RiskGate(RiskLimits(max_position_value=20_000))
    d = gate.check(buy("AAA", 50), state())
    assert (d.action, d.quantity, d.code) == ("approve", 50, nb.APPROVED)
    assert d.approved_order() is d.order
    assert "within every limit" in d.reason


def test_position_limit_resizes_and_rejects():
    gate = RiskGate(RiskLimits(max_position_value=20_000, max_position_fraction=0.1))
    d = gate.check(buy("AAA", 500), state())  # equity 100k: 10% = 10,000 = 100 units
    assert (d.action, d.quantity, d.code) == ("resize", 100, nb.POSITION_LIMIT)
    assert "position limit" in d.reason and "10.00% of equity" in d.reason
    resized = d.approved_order()
    assert resized.quantity == 100 and resized.client_order_id == d.order.client_order_id
    d = gate.check(buy("AAA", 5), state({"AAA": 100}, cash=90_000))
    assert (d.action, d.quantity, d.code) == ("reject", 0, nb.POSITION_LIMIT)
    assert d.approved_order() is None


def test_leverage_limit():
    gate = RiskGate(RiskLimits(max_leverage=1.0))
    s = state({"BBB": 1_800}, cash=10_000)  # 90k in BBB, equity 100k
    d = gate.check(buy("AAA", 300), s)
    assert (d.action, d.quantity, d.code) == ("resize", 100, nb.LEVERAGE_LIMIT)
    assert "leverage limit 1x" in d.reason and "1.00x equity" in d.reason
    gate2 = RiskGate(RiskLimits(max_leverage=2.0))
    assert gate2.check(buy("AAA", 300), s).action == "approve"


def test_sector_limit():
    sectors = {"AAA": "Tech", "BBB": "Tech", "CCC": "Energy"}
    gate = RiskGate(RiskLimits(max_sector_exposure=0.25), sectors)
    s = state({"BBB": 400}, cash=80_000)  # Tech: 20k of 100k
    d = gate.check(buy("AAA", 100), s)
    assert (d.action, d.quantity, d.code) == ("resize", 50, nb.SECTOR_LIMIT)
    assert "'Tech'" in d.reason and "25.00% of equity" in d.reason
    assert gate.check(buy("CCC", 1000), s).action == "approve"  # Energy has room
    d = gate.check(buy("DDD", 3000), s)  # not in the map: sector UNKNOWN, 30k > 25k
    assert (d.action, d.quantity, d.code) == ("resize", 2500, nb.SECTOR_LIMIT)
    with pytest.raises(ConfigError, match="sectors"):
        RiskGate(RiskLimits(max_sector_exposure=0.25))


def test_correlation_limit_on_real_returns(sp20_returns):
    recent = sp20_returns.iloc[-60:]  # JPM-BAC correlation 0.89, JPM-KO 0.56
    prices = {s: 50.0 for s in recent.columns}
    s = PortfolioState(cash=90_000, positions={"JPM": 200}, prices=prices, recent_returns=recent)
    gate = RiskGate(RiskLimits(max_correlation=0.8, max_leverage=2.0))
    d = gate.check(buy("BAC", 100), s)
    assert (d.action, d.code) == ("reject", nb.CORRELATION_LIMIT)
    assert "correlation 0.89 with the held JPM exceeds the limit 0.80" in d.reason
    assert gate.check(buy("KO", 100), s).action == "approve"
    assert gate.check(sell("BAC", 100), s).action == "approve"  # a short BAC hedges the long JPM
    no_data = PortfolioState(
        cash=90_000, positions={"JPM": 200}, prices=prices, recent_returns=recent.iloc[-5:]
    )
    d = gate.check(buy("BAC", 100), no_data)
    assert (d.action, d.code) == (
        "reject",
        nb.INVALID_INPUT,
    ) and "needs 20 recent returns" in d.reason
    d = gate.check(
        buy("BAC", 100), PortfolioState(cash=90_000, positions={"JPM": 200}, prices=prices)
    )
    assert d.action == "reject" and "recent returns of BAC" in d.reason


def test_lot_rounding_and_fractional_units():
    s = state()
    d = RiskGate(RiskLimits(), lot_size=10).check(buy("AAA", 55), s)
    assert (d.action, d.quantity, d.code) == ("resize", 50, nb.LOT_SIZE)
    d = RiskGate(RiskLimits(), lot_size=10).check(buy("AAA", 5), s)
    assert (d.action, d.code) == ("reject", nb.LOT_SIZE)
    d = RiskGate(RiskLimits(max_position_value=1_234), lot_size=0).check(buy("AAA", 50), s)
    assert d.quantity == pytest.approx(12.34)


def test_daily_loss_breaker_halts_and_clears_next_day():
    gate = RiskGate(RiskLimits(max_daily_loss=0.02))
    ok = state({"AAA": 500}, cash=50_000, day_start_equity=100_000, timestamp=ts(4))
    assert gate.check(buy("BBB", 10), ok).action == "approve"
    down = state(
        {"AAA": 500}, {"AAA": 95.0}, cash=50_000, day_start_equity=100_000, timestamp=ts(4, 16)
    )
    d = gate.check(buy("BBB", 10), down)  # equity 97,500: 2.5% down on the day
    assert (d.action, d.code) == ("reject", nb.HALT_DAILY_LOSS)
    assert "daily loss 2,500.00 (2.50% of day-start equity 100,000.00)" in d.reason
    assert gate.halted and gate.breaker.tripped_at == ts(4, 16)
    # recovering intraday does not clear it; reducing a position still passes
    later = state({"AAA": 500}, cash=50_000, day_start_equity=100_000, timestamp=ts(4, 19))
    assert gate.check(buy("BBB", 10), later).action == "reject"
    d = gate.check(sell("AAA", 200), later)
    assert (d.action, d.code) == ("approve", nb.REDUCES_EXPOSURE)
    # a state on the next New York trading day clears it
    next_day = state({"AAA": 500}, {"AAA": 95.0}, cash=50_000, timestamp=ts(5))
    assert gate.check(buy("BBB", 10), next_day).action == "approve" and not gate.halted


def test_daily_loss_in_currency_and_manual_new_day():
    gate = RiskGate(RiskLimits(max_daily_loss_value=1_000))
    s = state(cash=98_900, day_start_equity=100_000)
    assert gate.check(buy("CCC", 1), s).code == nb.HALT_DAILY_LOSS
    gate.new_day()
    assert not gate.halted
    assert (
        gate.check(buy("CCC", 1), state(cash=98_900)).action == "approve"
    )  # day start is now 98,900


def test_drawdown_breaker_needs_a_manual_reset():
    gate = RiskGate(RiskLimits(max_drawdown=0.10))
    d = gate.check(buy("AAA", 1), state(cash=85_000, peak_equity=100_000, timestamp=ts(4)))
    assert d.code == nb.HALT_DRAWDOWN and "drawdown 15.00% from peak equity 100,000.00" in d.reason
    assert "clears only with reset()" in gate.breaker.reason
    assert (
        gate.check(buy("AAA", 1), state(cash=95_000, peak_equity=100_000, timestamp=ts(5))).action
        == "reject"
    )
    gate.reset()
    # still 15% below the old peak: trips again unless the peak restarts
    assert (
        gate.check(buy("AAA", 1), state(cash=85_000, peak_equity=100_000)).code == nb.HALT_DRAWDOWN
    )
    gate.reset()
    assert gate.check(buy("AAA", 1), state(cash=85_000, peak_equity=85_000)).action == "approve"
    assert gate.breaker.status() == {"halted": False, "code": 0, "reason": "", "trippedAt": None}


def test_closing_order_while_halted_is_resized_to_the_closing_part():
    gate = RiskGate(RiskLimits(max_daily_loss=0.01))
    s = state({"AAA": 100}, cash=80_000, day_start_equity=100_000)
    d = gate.check(sell("AAA", 300), s)
    assert (d.action, d.quantity, d.code) == ("resize", 100, nb.HALT_DAILY_LOSS)
    assert "only orders that reduce a position pass" in d.reason


def test_check_many_matches_the_batch_kernel():
    rng = np.random.default_rng(0)
    symbols = [f"S{i}" for i in range(12)]
    sectors = {s: f"G{i % 3}" for i, s in enumerate(symbols)}
    limits = RiskLimits(max_position_fraction=0.15, max_sector_exposure=0.4, max_leverage=1.2)
    for _ in range(30):
        prices = dict(zip(symbols, rng.uniform(10, 200, 12).round(2)))
        positions = dict(zip(symbols, rng.integers(-200, 200, 12).astype(float)))
        st = PortfolioState(cash=120_000, positions=positions, prices=prices)
        qty = rng.integers(-300, 300, 12).astype(float)
        qty[qty == 0] = 1
        orders = [buy(s, q) if q > 0 else sell(s, -q) for s, q in zip(symbols, qty)]
        decisions = RiskGate(limits, sectors).check_many(orders, st)
        k = limits.kernel_args()
        allowed, codes = nb.check_orders_nb(
            qty, np.array([positions[s] for s in symbols]), np.array([prices[s] for s in symbols]),
            np.array([int(sectors[s][1]) for s in symbols]), st.equity, k["max_position_value"],
            k["max_position_fraction"], k["max_leverage"], k["max_sector_fraction"], np.full(12, -math.inf),
            k["max_correlation"], 0, 1.0,
        )  # fmt: skip
        np.testing.assert_allclose(
            [math.copysign(d.quantity, q) if d.quantity else 0 for d, q in zip(decisions, qty)],
            allowed,
        )
        assert [d.code for d in decisions] == list(codes)


def test_decision_to_dict_is_json():
    d = RiskGate(RiskLimits(max_position_value=1_000)).check(
        buy("AAA", 50, strategy_id="m"), state()
    )
    out = d.to_dict()
    json.dumps(out)
    assert out["action"] == "resize" and out["quantity"] == 10 and out["requestedQuantity"] == 50


def test_limit_order_without_a_market_price_uses_its_limit():
    gate = RiskGate(RiskLimits(max_position_value=1_000))
    order = buy("ZZZ", 50, order_type=OrderType.LIMIT, limit_price=40.0)
    assert gate.check(order, state()).quantity == 25
    d = gate.check(buy("ZZZ", 5), state())
    assert (d.action, d.code) == ("reject", nb.INVALID_INPUT) and "no price for ZZZ" in d.reason


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"positions": {"AAA": 10}, "prices": {"AAA": float("nan")}}, RiskError, "finite"),
        ({"positions": {"EEE": 10}}, RiskError, "needs a positive price"),
        ({"cash": float("nan")}, RiskError, "cash"),
        ({"timestamp": datetime(2024, 3, 4, 15)}, DataError, "naive"),  # noqa: DTZ001
        ({"recent_returns": np.zeros((3, 3))}, RiskError, "DataFrame"),
    ],
)
def test_bad_states_are_refused(kwargs, error, match):
    with pytest.raises(error, match=match):
        state(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"max_position_value": -1}, "max_position_value"),
        ({"max_daily_loss": 2.0}, "at most 1.0"),
        ({"max_correlation": 0}, "max_correlation"),
        ({"max_leverage": float("inf")}, "max_leverage"),
        ({"min_correlation_obs": 1}, "min_correlation_obs"),
    ],
)
def test_bad_limits_are_refused(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        RiskLimits(**kwargs)


def test_limits_round_trip_and_gate_argument_checks():
    limits = RiskLimits(max_position_value=5_000, max_daily_loss=0.02, max_correlation=0.8)
    assert RiskLimits.from_dict(limits.to_dict()) == limits
    assert limits.to_dict()["maxDailyLoss"] == 0.02
    with pytest.raises(ConfigError, match="unknown field"):
        RiskLimits.from_dict({"maxPosition": 1})
    with pytest.raises(ConfigError, match="RiskLimits"):
        RiskGate({"max_leverage": 1})
    gate = RiskGate(limits)
    with pytest.raises(ConfigError, match="OrderRequest"):
        gate.check({"symbol": "AAA"}, state())
    with pytest.raises(ConfigError, match="PortfolioState"):
        gate.check(buy("AAA", 1), {"cash": 1})
    s = state({"AAA": 10})
    assert s.equity == pytest.approx(101_000) and s.leverage == pytest.approx(1_000 / 101_000)
