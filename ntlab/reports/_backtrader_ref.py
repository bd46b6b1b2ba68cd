"""An independent reference backtest in backtrader, for the parity report.

Same contract as ntlab's engines: the target decided on bar t is traded at bar t+1's open
(backtrader's cheat-on-open), slippage moves the fill price against the trader by a
fraction, commission is a fraction of traded value, and an entry spends all the cash:
``size = cash / (open * (1 + slippage) * (1 + fees))``. One symbol, long/flat targets
(0 or 1) of the full sleeve.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ntlab._optional import attempt_import
from ntlab.errors import ConfigError

__all__ = ["backtrader_equity"]

# backtrader refuses an order whose cost equals the cash to the last bit; spend a hair less
_CASH_MARGIN = 1e-12


def _strategy_class(bt: Any) -> type:
    class FollowTarget(bt.Strategy):
        params = (("target", None), ("position_of", None), ("fees", 0.0), ("slippage", 0.0))

        def __init__(self) -> None:
            self.values: list[float] = []

        def next_open(self) -> None:  # runs before the broker fills at this bar's open
            i = self.p.position_of[self.data.datetime.datetime(0)]  # this bar; decided on bar i-1
            want, had = (
                (self.p.target[i - 1] if i >= 1 else 0.0),
                (self.p.target[i - 2] if i >= 2 else 0.0),
            )
            if want == had:
                return
            if want == 0:
                self.close()
                return
            price = self.data.open[0] * (1 + self.p.slippage)
            size = self.broker.get_cash() * (1 - _CASH_MARGIN) / (price * (1 + self.p.fees))
            self.buy(size=size)

        def next(self) -> None:
            self.values.append(self.broker.getvalue())

    return FollowTarget


def backtrader_equity(ohlc: pd.DataFrame, target: pd.Series, settings: Any) -> pd.Series:
    """Equity per bar of following ``target`` in backtrader.

    Parameters
    ----------
    ohlc : DataFrame of shape (n_bars, >=4)
        ``open, high, low, close`` of one symbol (rows where it trades).
    target : Series of shape (n_bars,)
        Sleeve target in {0, 1} per bar, decided at that bar's close.
    settings : VectorSettings
        ``init_cash``, ``fees`` and ``slippage`` (fractions).

    Returns
    -------
    Series of shape (n_bars,), broker value at each bar's close.
    """
    bt = attempt_import("backtrader", purpose="the backtrader parity reference")
    if not ohlc.index.equals(target.index):
        raise ConfigError("ohlc and target must share one index (use a symbol without gaps)")
    values = set(np.unique(target.to_numpy(dtype=float)).tolist())
    if not values <= {0.0, 1.0}:
        raise ConfigError(
            f"the backtrader reference follows long/flat targets (0 or 1), got {sorted(values)}"
        )
    feed_frame = ohlc[["open", "high", "low", "close"]].copy()
    feed_frame["volume"] = ohlc["volume"] if "volume" in ohlc else 0.0
    feed_frame.index = feed_frame.index.tz_convert("UTC").tz_localize(None)
    cerebro = bt.Cerebro(cheat_on_open=True, stdstats=False)
    cerebro.adddata(bt.feeds.PandasData(dataname=feed_frame))
    cerebro.broker.setcash(settings.init_cash)
    cerebro.broker.setcommission(commission=settings.fees)
    cerebro.broker.set_slippage_perc(
        settings.slippage, slip_open=True, slip_limit=True, slip_match=True, slip_out=True
    )
    cerebro.addstrategy(
        _strategy_class(bt),
        target=target.to_numpy(dtype=float),
        position_of={t.to_pydatetime(): i for i, t in enumerate(feed_frame.index)},
        fees=settings.fees,
        slippage=settings.slippage,
    )
    strat = cerebro.run()[0]
    return pd.Series(strat.values, index=ohlc.index, name="backtrader")
