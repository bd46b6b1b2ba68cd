"""Volatility: true range, ATR, Bollinger Bands, rolling volatility of returns.

Inputs and outputs as in :mod:`ntlab.indicators.moving_average`; true range and ATR take a
MarketData (high, low, close) or explicit ``high, low, close``.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from ntlab.indicators._frame import apply, check_float, check_int
from ntlab.indicators._range_nb import atr_nb, true_range_nb
from ntlab.indicators._stats_nb import bollinger_nb, volatility_nb

__all__ = ["true_range", "atr", "bollinger", "rolling_volatility", "BollingerResult"]

HLC = ("high", "low", "close")


class BollingerResult(NamedTuple):
    """Bollinger Bands with %B = (x - lower) / (upper - lower) and
    bandwidth = (upper - lower) / middle."""

    upper: Any
    middle: Any
    lower: Any
    percent_b: Any
    bandwidth: Any


def true_range(data_or_high: Any, low: Any = None, close: Any = None) -> Any:
    """max(high - low, |high - previous close|, |low - previous close|); warm-up 1 bar."""
    return apply(
        true_range_nb, (data_or_high, low, close), (), what="true_range", warmup=1, names=HLC
    )[0]


def atr(data_or_high: Any, low: Any = None, close: Any = None, window: int = 14) -> Any:
    """Average true range: Wilder smoothing seeded with the mean of the first ``window``
    true ranges (TA-Lib ATR, bit for bit). Warm-up ``window`` bars."""
    w = check_int("window", window, minimum=1, what="atr")
    return apply(atr_nb, (data_or_high, low, close), (w,), what="atr", warmup=w, names=HLC)[0]


def bollinger(x: Any, window: int = 20, k: float = 2.0) -> BollingerResult:
    """Bollinger Bands: SMA middle band +/- ``k`` population standard deviations (TA-Lib
    BBANDS with nbdev = k, SMA). %B is NaN where the bands coincide (a flat window).
    Warm-up ``window - 1`` bars."""
    w = check_int("window", window, minimum=2, what="bollinger")
    kk = check_float("k", k, what="bollinger", positive=True)
    return BollingerResult(
        *apply(bollinger_nb, x, (w, kk), what="bollinger", warmup=w - 1, n_out=5)
    )


def volatility_scale(periods_per_year: Any, what: str = "rolling_volatility") -> float:
    """sqrt(periods_per_year), or 1 when it is None."""
    if periods_per_year is None:
        return 1.0
    return math.sqrt(check_float("periods_per_year", periods_per_year, what=what, positive=True))


def rolling_volatility(
    x: Any, window: int = 20, log: bool = True, periods_per_year: float | None = None
) -> Any:
    """Standard deviation (ddof=1) of the last ``window`` one-bar returns (log returns by
    default), times ``sqrt(periods_per_year)`` when given (e.g. 252 for daily bars).
    Warm-up ``window`` bars (``window`` returns need ``window + 1`` prices)."""
    w = check_int("window", window, minimum=2, what="rolling_volatility")
    scale = volatility_scale(periods_per_year)
    return apply(
        volatility_nb, x, (w, bool(log), scale), what="rolling_volatility", warmup=w, n_out=2
    )[0]
