"""Parity: the event engine and the vectorbt path on the same signals.

Required: final equity within 0.1% and the same trade count, for settings both engines
support. On those settings they agree to float precision, so the tests hold them to
1e-9 (far inside the 0.1% the issue asks for).

Settings both support (``_same_settings``): long-only signals; commission as a fraction
of value and/or per order; slippage as a fraction of price; fills at the next open or
close; fractional or whole-share sizes; orders sized at the fill bar's price
(``size_at="fill"``, vectorbt's target-percent orders); a cash account.

Settings that differ, and why:

- ``size_at="decision"`` (the event default): a live session sizes an order with the
  close it knows when it sends the order; vectorbt's target-percent orders are sized
  with the fill price. The same trades, slightly different quantities.
- Limit and stop entries, volume caps, margin, borrow fees, levels set as a fraction of
  the entry fill: only the event engine models them. The strategy's own stop-loss and
  take-profit levels both engines honour, with one exit rule (the ``stops`` variant).
- Shorts: vectorbt caps every buy, covers included, by the cash on hand and lets shorts
  grow without a margin limit; the event engine applies a margin rule (gross exposure
  <= equity / initial_margin) and never cuts the closing part of an order, as a broker.
- Bars with a NaN price: vectorbt drops an order whose price is NaN; the event engine
  keeps it working until the symbol trades again. Parity data is gap-free.
"""

import numpy as np
import pytest

from ntlab.backtest import EventSettings, VectorSettings, run_event, run_vector
from ntlab.execution import Commission, ExecutionPolicy, FillModel, Slippage
from ntlab.strategies import get
from ntlab.strategies.builtin.sma_cross import SmaCross

RTOL = 1e-9


def _same_settings(*, fractional=True, fixed=0.0, fill_at="next_open", stops=False):
    pol = ExecutionPolicy(
        fractional=fractional,
        size_at="fill",
        commission=Commission(pct=0.001, fixed=fixed),
        slippage=Slippage(pct=0.0005),
        fills=FillModel(fill_at=fill_at),
    )
    ev = EventSettings(policy=pol, use_signal_stops=stops)
    vec = VectorSettings(
        fees=0.001,
        fixed_fees=fixed,
        slippage=0.0005,
        fill_at=fill_at,
        lot_size=None if fractional else 1.0,
        use_signal_stops=stops,
    )
    return ev, vec


@pytest.fixture(scope="module")
def gap_free_1y(sp500_1y):
    close = sp500_1y.close
    return sp500_1y.select([s for s in sp500_1y.symbols if close[s].notna().all()][:120])


def _compare(strategy, data, ev, vec):
    sig = strategy.signals(data)
    e, v = run_event(sig, data, ev), run_vector(sig, data, vec)
    # next-close fills sized at the fill: the event engine values the book for sizing
    # before the bar's protective exits, vectorbt after them (same trades, 1e-4 apart)
    rtol = 1e-4 if vec.use_signal_stops and vec.fill_at == "next_close" else RTOL
    assert e.final_equity == pytest.approx(v.final_equity, rel=rtol)
    assert e.n_trades == v.n_trades
    np.testing.assert_allclose(e.equity.to_numpy(), v.equity.to_numpy(), rtol=rtol)
    return e, v


@pytest.mark.parametrize(
    "variant",
    [
        {},
        {"fractional": False},
        {"fixed": 1.0},
        {"fill_at": "next_close"},
        {"stops": True},
        {"stops": True, "fill_at": "next_close"},
        {"stops": True, "fractional": False},
    ],
    ids=[
        "fractional",
        "whole-shares",
        "fixed-fee",
        "next-close",
        "stops",
        "stops-next-close",
        "stops-whole",
    ],
)
def test_momentum_on_stocks(stocks, variant):
    e, v = _compare(get("momentum"), stocks, *_same_settings(**variant))
    assert e.n_trades > 50
    # trade by trade: same entries, exits, quantities and net pnl
    cols = ["symbol", "entry_time", "exit_time"]
    et, vt = (x.trades.sort_values(cols).reset_index(drop=True) for x in (e, v))
    assert (et["symbol"].astype(str) == vt["symbol"].astype(str)).all()
    assert (et["entry_time"] == vt["entry_time"]).all() and (
        et["exit_time"] == vt["exit_time"]
    ).all()
    if variant != {"stops": True, "fill_at": "next_close"}:
        np.testing.assert_allclose(et["quantity"], vt["quantity"], rtol=RTOL)
        np.testing.assert_allclose(et["pnl"], vt["pnl"], rtol=1e-7, atol=1e-6)
    assert (et["exit_reason"].astype(str) == vt["exit_reason"].astype(str)).all()
    protective = et["exit_reason"].astype(str).isin(["stop", "take_profit"]).sum()
    assert (protective > 5) == variant.get("stops", False)  # the levels were reached


@pytest.mark.parametrize("fractional", [True, False], ids=["fractional", "whole-shares"])
def test_sma_cross_on_120_symbols_sharing_cash(gap_free_1y, fractional):
    """Many symbols entering on the same bar: cash sharing and the sells-first order matter."""
    e, _ = _compare(SmaCross(fast=10, slow=30), gap_free_1y, *_same_settings(fractional=fractional))
    assert e.n_trades > 300


def test_decision_sizing_is_close_but_not_equal(stocks):
    """The event default sizes at the decision close: same trades, a little apart in value."""
    _, vec = _same_settings(fractional=False, stops=True)
    sig = get("momentum").signals(stocks)
    e = run_event(sig, stocks, EventSettings())
    v = run_vector(sig, stocks, vec)
    assert e.n_trades == v.n_trades
    assert e.final_equity == pytest.approx(v.final_equity, rel=1e-2)
    assert e.final_equity != pytest.approx(v.final_equity, rel=1e-9)
