"""Small hand-made bars and StartRequests for the dashboards tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ntlab.data import MarketData

FEE = 0.001
OPEN = {
    "X": [10.0, 11.0, 12.0, 13.0, 12.5, 12.0, 11.0, 10.0],
    "Y": [50.0, 51.0, 52.0, 53.0, 54.0, 55.0, 56.0, 57.0],
}
CLOSE = {
    "X": [10.5, 11.5, 12.5, 12.8, 12.2, 11.6, 10.5, 9.5],
    "Y": [50.5, 51.5, 52.5, 53.5, 54.5, 55.5, 56.5, 57.5],
}


def bars_xy() -> MarketData:
    index = pd.date_range("2024-01-02", periods=8, freq="B", tz="UTC")
    frame = lambda d: pd.DataFrame(d, index=index)  # noqa: E731
    high = {k: np.maximum(OPEN[k], CLOSE[k]) + 0.1 for k in OPEN}
    low = {k: np.minimum(OPEN[k], CLOSE[k]) - 0.1 for k in OPEN}
    return MarketData(
        {"open": frame(OPEN), "high": frame(high), "low": frame(low), "close": frame(CLOSE)}
    )


def start_request(**changes) -> dict:
    base = {
        "strategies": [],
        "symbols": ["X", "Y"],
        "risk_level": "aggressive",
        "max_position_size": 10_000.0,
        "stop_loss_percentage": 0.0,
        "take_profit_percentage": 0.0,
        "use_gpu": False,
    }
    return {**base, **changes}


def paper_session(data=None):
    """A TradingSession over ``data`` (default :func:`bars_xy`) stepped by the test:
    the engine the dashboards drive, with no background thread."""
    from ntlab.live import ReplayMarket, SessionSettings, TradingSession

    return TradingSession(
        ReplayMarket(bars_xy() if data is None else data, start=1),
        SessionSettings(log_decisions=False),
    )
