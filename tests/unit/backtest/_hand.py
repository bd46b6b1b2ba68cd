"""Tiny hand-made panels for the backtest tests."""

import numpy as np
import pandas as pd

from ntlab.data import MarketData
from ntlab.strategies import Signals


def panel(rows_by_symbol, start="2024-01-01", freq="D"):
    """MarketData from {symbol: [(open, high, low, close, volume), ...]}."""
    n = len(next(iter(rows_by_symbol.values())))
    index = pd.date_range(start, periods=n, freq=freq, tz="UTC")
    fields = {}
    for k, name in enumerate(("open", "high", "low", "close", "volume")):
        fields[name] = pd.DataFrame(
            {s: [r[k] for r in rows] for s, rows in rows_by_symbol.items()}, index=index
        )
    return MarketData(fields, name="hand")


def signals(md, target, stop=None, take=None, name="hand"):
    """Signals from {symbol: list} (or one list for a single symbol)."""

    def frame(values):
        if values is None:
            return None
        if not isinstance(values, dict):
            values = {md.symbols[0]: values}
        return pd.DataFrame(values, index=md.index, dtype=float)[md.symbols]

    t = frame(target)
    return Signals(name, t, t.abs().clip(upper=1.0), stop_loss=frame(stop), take_profit=frame(take))


NAN = np.nan
