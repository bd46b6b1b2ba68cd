"""The event engine through ntlab.risk's pre-trade gate (the kernels RiskGate runs live)."""

import numpy as np
import pandas as pd
import pytest

from ntlab.backtest import EventSettings, run_event
from ntlab.errors import ConfigError
from ntlab.execution import Commission, ExecutionPolicy, Slippage
from ntlab.model import OrderRequest, OrderSide
from ntlab.risk import PortfolioState, RiskGate, RiskLimits
from ntlab.risk import _gate_nb as gate_nb
from tests.unit.backtest._hand import panel, signals

FREE = EventSettings(
    init_cash=10_000.0,
    policy=ExecutionPolicy(commission=Commission(pct=0), slippage=Slippage(pct=0)),
)
FLAT = [(10.0, 10.0, 10.0, 10.0, 1e6)] * 4


def test_position_cap_matches_the_live_risk_gate():
    md = panel({"X": FLAT})
    limits = RiskLimits(max_position_fraction=0.25)
    res = run_event(signals(md, [1, 1, 1, 1]), md, FREE, limits=limits)
    assert res.positions["X"].tolist() == [0, 250, 250, 250]
    (row,) = res.gate.itertuples(index=False)
    assert (row.requested, row.allowed, row.code) == (1000, 250, gate_nb.POSITION_LIMIT)
    # the same order, the same state, through the Python RiskGate of a live session
    live = RiskGate(limits).check(
        OrderRequest(symbol="X", side=OrderSide.BUY, quantity=1000),
        PortfolioState(cash=10_000.0, prices={"X": 10.0}),
    )
    assert live.quantity == 250 and live.code == gate_nb.POSITION_LIMIT
    assert res.settings["limits"]["maxPositionFraction"] == 0.25


def test_leverage_limit_over_a_bar_of_orders():
    md = panel({"A": FLAT, "B": FLAT})
    settings = EventSettings(init_cash=10_000.0, policy=FREE.policy, initial_margin=0.5)
    res = run_event(
        signals(md, {"A": [1] * 4, "B": [1] * 4}), md, settings, limits=RiskLimits(max_leverage=0.6)
    )
    # each sleeve wants 500 shares (5_000); gross may reach 6_000: A gets 500, B the remaining 100
    assert res.positions.iloc[-1].tolist() == [500, 100]
    assert res.gate["code"].tolist() == [gate_nb.LEVERAGE_LIMIT]


def test_drawdown_breaker_halts_new_exposure_but_lets_exits_through():
    bars = [(10.0, 10.0, 10.0, 10.0, 1e6)] * 2 + [(8.0, 8.0, 8.0, 8.0, 1e6)] * 5
    md = panel({"X": bars})
    res = run_event(
        signals(md, [1, 1, 1, 0, 1, 1, 1]), md, FREE, limits=RiskLimits(max_drawdown=0.1)
    )
    # bought 1000 at bar 1, equity falls 20% at bar 2: halted; the exit (bar 4) passes, the re-entry (bar 5) not
    assert res.positions["X"].tolist() == [0, 1000, 1000, 1000, 0, 0, 0]
    assert res.gate["code"].tolist() == [gate_nb.HALT_DRAWDOWN]
    assert res.gate["time"].tolist() == [md.index[5]] and res.gate["allowed"].tolist() == [0.0]


def test_daily_loss_halt_clears_on_the_next_trading_day():
    index = pd.DatetimeIndex(
        [
            "2024-03-04 15:00",
            "2024-03-04 16:00",
            "2024-03-04 17:00",
            "2024-03-04 18:00",
            "2024-03-05 15:00",
            "2024-03-05 16:00",
        ],
        tz="UTC",
    )
    close = [10.0, 10.0, 9.0, 9.0, 9.0, 9.0]
    md = panel({"X": [(c, c, c, c, 1e6) for c in close]})
    md = type(md)({f: md.field(f).set_axis(index) for f in md.fields})
    # long, loses 10% on day 1 (limit 5%): out at bar 3, re-entry refused the same day, allowed on day 2
    t = [1, 1, 0, 1, 1, 1]
    res = run_event(signals(md, t), md, FREE, limits=RiskLimits(max_daily_loss=0.05))
    assert res.gate["code"].tolist() == [gate_nb.HALT_DAILY_LOSS]
    assert res.positions["X"].tolist() == [0, 1000, 1000, 0, 0, 0]
    t2 = [1, 1, 0, 0, 1, 1]  # the same re-entry decided on day 2 goes through
    res2 = run_event(signals(md, t2), md, FREE, limits=RiskLimits(max_daily_loss=0.05))
    assert res2.gate.empty and res2.positions["X"].iloc[-1] == 1000


def test_sector_limit_needs_sectors_and_correlation_is_refused():
    md = panel({"A": FLAT, "B": FLAT})
    sig = signals(md, {"A": [1] * 4, "B": [1] * 4})
    with pytest.raises(ConfigError, match="sectors"):
        run_event(sig, md, FREE, limits=RiskLimits(max_sector_exposure=0.3))
    res = run_event(
        sig,
        md,
        FREE,
        limits=RiskLimits(max_sector_exposure=0.3),
        sectors={"A": "tech", "B": "tech"},
    )
    assert res.positions.iloc[-1].sum() * 10 == pytest.approx(3_000)
    with pytest.raises(ConfigError, match="max_correlation"):
        run_event(sig, md, FREE, limits=RiskLimits(max_correlation=0.8))


def test_no_limits_no_gate(stocks):
    res = run_event(signals(stocks, {s: np.ones(stocks.n_bars) for s in stocks.symbols}), stocks)
    assert res.gate.empty
