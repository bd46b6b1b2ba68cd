"""The event engine against backtrader (an independent event-driven engine) on one strategy.

SMA(20)/SMA(50) crossover on AAPL, 95% of equity per entry sized at the decision close
in whole shares, 0.1% commission, 0.05% slippage (at the open too), market orders at
the next open, a 5% stop-loss fixed at the decision close. Backtrader computes its own
SMAs; its stop is a bracket child, active from the bar after the entry, so the event
engine runs with ``stop_on_entry_bar=False`` for the comparison.
"""

import numpy as np
import pandas as pd
import pytest

from ntlab.backtest import EventSettings, run_event
from ntlab.execution import Commission, ExecutionPolicy, Slippage
from ntlab.strategies import Signals
from ntlab.strategies.builtin.sma_cross import SmaCross

bt = pytest.importorskip("backtrader")

W, SL = 0.95, 0.05


class Cross(bt.Strategy):
    params = {"stop_loss": 0.0}

    def __init__(self):
        self.fast = bt.indicators.SMA(self.data.close, period=20)
        self.slow = bt.indicators.SMA(self.data.close, period=50)
        self.closed, self.was_long, self.stop_order = [], False, None

    def next(self):
        want = self.fast[0] > self.slow[0]
        if want and not self.was_long:
            size = int(W * self.broker.getvalue() / self.data.close[0])
            if self.p.stop_loss:
                main = self.buy(size=size, transmit=False)
                stop = self.data.close[0] * (1 - self.p.stop_loss)
                self.stop_order = self.sell(
                    exectype=bt.Order.Stop, price=stop, parent=main, size=size
                )
            else:
                self.buy(size=size)
        elif not want and self.was_long:
            if self.stop_order is not None and self.stop_order.alive():
                self.cancel(self.stop_order)
            if self.position:
                self.close()
        self.was_long = want

    def notify_trade(self, trade):
        if trade.isclosed:
            self.closed.append(trade.pnlcomm)


def _backtrader(data, stop_loss):
    frame = pd.DataFrame(
        {k: data.field(k).iloc[:, 0].to_numpy() for k in ("open", "high", "low", "close", "volume")}
    )
    frame.index = data.index.tz_convert(None)
    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(bt.feeds.PandasData(dataname=frame))
    cerebro.addstrategy(Cross, stop_loss=stop_loss)
    cerebro.broker.setcash(100_000.0)
    cerebro.broker.setcommission(commission=0.001)
    cerebro.broker.set_slippage_perc(0.0005, slip_open=True, slip_match=True, slip_out=True)
    strat = cerebro.run()[0]
    return cerebro.broker.getvalue(), np.array(strat.closed)


@pytest.mark.parametrize("stop_loss", [0.0, SL], ids=["signals-only", "with-stop"])
def test_sma_cross_matches_backtrader(stocks, stop_loss):
    data = stocks.select("AAPL")
    bt_value, bt_pnl = _backtrader(data, stop_loss)
    raw = SmaCross(fast=20, slow=50, stop_loss_pct=stop_loss).signals(data)
    sig = Signals("sma_cross", raw.target * W, raw.confidence, stop_loss=raw.stop_loss)
    pol = ExecutionPolicy(commission=Commission(pct=0.001), slippage=Slippage(pct=0.0005))
    res = run_event(sig, data, EventSettings(policy=pol, stop_on_entry_bar=False))
    closed = res.trades[res.trades["exit_reason"] != "open"]
    assert len(closed) == len(bt_pnl) > 20
    np.testing.assert_allclose(closed["pnl"].to_numpy(), bt_pnl, rtol=1e-9, atol=1e-6)
    assert res.final_equity == pytest.approx(bt_value, rel=1e-12)
    if stop_loss:
        assert (closed["exit_reason"] == "stop").sum() > 10
