"""Moving averages: SMA, EMA, WMA.

Each takes a Series (one symbol), a DataFrame of shape (n_bars, n_symbols), a MarketData
(its closes) or a NumPy array, and returns the same kind of object with the same index
and columns. The first ``warmup`` values of each symbol's history are NaN; bars where a
symbol has no value (NaN) stay NaN and are skipped, so the average runs over the bars
where the symbol trades. The values equal TA-Lib's SMA, EMA and WMA bit for bit.
"""

from __future__ import annotations

from typing import Any

from ntlab.indicators._frame import apply, check_int
from ntlab.indicators._ma_nb import ema_nb, sma_nb, wma_nb

__all__ = ["sma", "ema", "wma"]


def sma(x: Any, window: int = 20) -> Any:
    """Simple moving average over ``window`` bars.

    Parameters
    ----------
    x : Series, DataFrame (n_bars, n_symbols), MarketData or ndarray
    window : int, >= 1

    Returns
    -------
    Same kind as ``x``; warm-up ``window - 1`` bars (NaN).
    """
    w = check_int("window", window, minimum=1, what="sma")
    return apply(sma_nb, x, (w,), what="sma", warmup=w - 1)[0]


def ema(x: Any, window: int = 20) -> Any:
    """Exponential moving average, ``k = 2 / (window + 1)``, seeded with the SMA of the
    first ``window`` values (TA-Lib). Warm-up ``window - 1`` bars."""
    w = check_int("window", window, minimum=1, what="ema")
    return apply(ema_nb, x, (w,), what="ema", warmup=w - 1)[0]


def wma(x: Any, window: int = 20) -> Any:
    """Linearly weighted moving average (weights 1..window, newest heaviest).
    Warm-up ``window - 1`` bars."""
    w = check_int("window", window, minimum=1, what="wma")
    return apply(wma_nb, x, (w,), what="wma", warmup=w - 1)[0]
