"""backtesting.py (kernc) running the backtest benchmark's strategy, one Backtest per symbol.

backtesting.py trades one instrument per ``Backtest``, so each symbol gets its own run with
an equal share of the cash (ntlab and backtrader share one account); the final equities
are summed and the closed trades counted. Same rule as the other contenders: SMA(20) above
SMA(50) -> buy whole shares worth the sleeve at the next open, with a stop 5% below and a
take-profit 10% above the fill price (set at the close of the fill bar: backtesting.py
knows the fill price only then, so the fill bar itself is not guarded); SMA(20) below -> close at the next open;
0.1% commission per side. Sized like ntlab (whole shares worth the sleeve at the deciding
close); ``margin=0.5`` lets the order through when the next open is above that close
(backtesting.py drops an order its own cash cannot pay, where ntlab's shared account pays
the difference). A stop and a take-profit hit in the same bar: backtesting.py fills the
stop first. Like ntlab, it re-enters on the next bar after a stop while the fast average
stays above the slow one only if told to; this strategy enters on the cross alone.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ntlab.data import MarketData

__all__ = ["backtesting_py_pipeline"]


def _strategy(stop: float, take: float):
    from backtesting import Strategy

    def sma(x, n):
        return pd.Series(x).rolling(n).mean().to_numpy()

    class Cross(Strategy):
        def init(self):
            self.fast = self.I(sma, self.data.Close, 20)
            self.slow = self.I(sma, self.data.Close, 50)
            self.was = False

        def next(self):
            # levels from the fill price, as ntlab and backtrader set them
            for trade in self.trades:
                if trade.tp is None:
                    trade.sl = trade.entry_price * (1 - stop)
                    trade.tp = trade.entry_price * (1 + take)
            want = bool(self.fast[-1] > self.slow[-1])
            close = float(self.data.Close[-1])
            if want and not self.was:
                size = int(self.equity / close)
                if size > 0:
                    self.buy(size=size)
            elif not want and self.was and self.position:
                self.position.close()
            self.was = want

    return Cross


def backtesting_py_pipeline(
    data: MarketData, *, cash: float = 100_000.0, fees: float, stop: float, take: float
) -> tuple[float, int]:
    """(final equity summed over the symbols, closed trades) of the per-symbol runs."""
    from backtesting import Backtest

    cross = _strategy(stop, take)
    sleeve = cash / data.n_symbols
    equity, trades = 0.0, 0
    index = data.index.tz_convert(None)
    for sym in data.symbols:
        frame = pd.DataFrame(
            {k.capitalize(): data.field(k)[sym].to_numpy() for k in ("open", "high", "low", "close", "volume")},
            index=index,
        )  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # its own notices about unclosed trades at the end
            bt = Backtest(
                frame, cross, cash=sleeve, commission=fees, margin=0.5, finalize_trades=True
            )
            stats = bt.run()
        equity += float(stats["Equity Final [$]"])
        trades += int(stats["# Trades"])
    return equity, trades


if __name__ == "__main__":  # a quick look: python -m benchmarks._backtesting_py
    from benchmarks.backtest import FEES, STOP, TAKE, random_walk

    print(backtesting_py_pipeline(random_walk(m=5), fees=FEES, stop=STOP, take=TAKE), np.nan)
