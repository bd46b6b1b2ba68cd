"""A hand-computable backtest case shared by the reports tests."""

from __future__ import annotations

import pandas as pd


def hand_case(fees=0.001, slippage=0.01):
    """5 bars of one symbol X; long decided on bar 1 (bought at bar 2's open 12), flat on bar 3 (sold at 14)."""
    from ntlab.data import MarketData
    from ntlab.strategies import Signals

    index = pd.date_range("2024-01-01", periods=5, freq="D", tz="UTC")
    ohlc = {
        "open": [10.0, 11, 12, 13, 14],
        "high": [11.0, 12, 13, 14, 15],
        "low": [9.0, 10, 11, 12, 13],
        "close": [10.5, 11.5, 12.5, 13.5, 14.5],
        "volume": [1e3] * 5,
    }
    md = MarketData({k: pd.DataFrame({"X": v}, index=index) for k, v in ohlc.items()})
    target = pd.DataFrame({"X": [0.0, 1, 1, 0, 0]}, index=index)
    return md, Signals("hand", target, target.abs())
