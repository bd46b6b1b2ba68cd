"""The one ledger (session portfolio and SimClient) against hand-computed P&L after fees."""

from datetime import UTC, datetime

import numpy as np
import pytest

from ntlab.execution.costs import Commission, Slippage
from ntlab.execution.policy import ExecutionPolicy
from ntlab.execution.sim import SimClient
from ntlab.live.portfolio import Portfolio
from ntlab.model import OrderRequest


def test_average_cost_through_a_flip_by_hand():
    pf = Portfolio(["X", "Y"], 10_000.0)
    pf.apply("X", 10, 100.0, 1.0)
    pf.apply("X", 10, 110.0, 1.0)
    assert pf.qty[0] == 20 and pf.avg[0] == pytest.approx(105.0)
    assert pf.realized[0] == pytest.approx(-2.0)  # realized P&L is after fees: both commissions
    pf.apply("X", -15, 120.0, 1.0)  # realises 15 * (120 - 105) = 225, less 3 of fees
    assert (
        pf.realized[0] == pytest.approx(222.0)
        and pf.qty[0] == 5
        and pf.avg[0] == pytest.approx(105.0)
    )
    pf.apply("X", -10, 90.0, 0.5)  # closes 5 at a loss of 75, opens 5 short at 90
    assert pf.realized[0] == pytest.approx(146.5) and pf.qty[0] == -5 and pf.avg[0] == 90.0
    cash = 10_000 - 1000 - 1100 + 1800 + 900 - 3.5
    assert pf.cash == pytest.approx(cash) and pf.fees == pytest.approx(3.5)
    pf.mark(np.array([80.0, np.nan]))
    assert pf.unrealized == pytest.approx(-5 * (80 - 90))
    assert pf.equity == pytest.approx(cash - 5 * 80)
    assert pf.equity == pytest.approx(pf.init_cash + pf.realized.sum() + pf.unrealized)
    pf.apply("X", 5, 85.0)
    assert pf.qty[0] == 0 and pf.avg[0] == 0 and pf.realized[0] == pytest.approx(171.5)
    rows = pf.positions(when=datetime(2024, 1, 2, tzinfo=UTC))
    assert [r["symbol"] for r in rows] == ["X"] and rows[0]["realizedPnl"] == pytest.approx(171.5)


def test_books_match_simclient_on_a_random_order_stream(bars):
    policy = ExecutionPolicy(
        commission=Commission(pct=0.001, minimum=1.0), slippage=Slippage(pct=0.0005)
    )
    symbols = bars.symbols
    sim = SimClient(policy, cash=50_000, symbols=symbols, max_leverage=10)
    pf = Portfolio(symbols, 50_000)
    rng = np.random.default_rng(7)
    o, h, lo, c, v = (bars.field(f).to_numpy() for f in ("open", "high", "low", "close", "volume"))
    for i in range(len(bars.index)):
        for fill in sim.on_bar_arrays(bars.index[i], symbols, o[i], h[i], lo[i], c[i], v[i]):
            pf.apply_fill(fill)
        pf.mark(c[i])
        for s in symbols:
            if rng.random() < 0.3:
                side = "buy" if rng.random() < 0.5 else "sell"
                sim.submit(OrderRequest(symbol=s, side=side, quantity=float(rng.integers(1, 40))))
    held = {p.symbol: p for p in sim.positions()}
    for j, s in enumerate(symbols):
        if s in held:
            assert pf.qty[j] == held[s].quantity
            assert pf.avg[j] == pytest.approx(held[s].avg_entry_price, rel=1e-12)
    assert pf.realized.sum() == pytest.approx(sim.realized_pnl(), rel=1e-9)
    assert pf.cash == pytest.approx(sim.account().cash, rel=1e-12)
    assert pf.equity == pytest.approx(sim.account().equity, rel=1e-12)
    assert pf.n_fills == len(sim.fills) > 100
