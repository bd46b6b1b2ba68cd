"""Volume indicators: OBV, VWAP, volume ratio.

OBV takes a MarketData (close, volume) or explicit ``close, volume``; VWAP a MarketData
(high, low, close, volume) or the four explicitly; volume ratio a MarketData (its volume)
or a volume Series/DataFrame/array.
"""

from __future__ import annotations

from typing import Any

from ntlab.indicators._frame import apply, check_int
from ntlab.indicators._volume_nb import obv_nb, volume_ratio_nb, vwap_nb

__all__ = ["obv", "vwap", "volume_ratio"]


def obv(data_or_close: Any, volume: Any = None) -> Any:
    """On-balance volume, starting at the first bar's volume (TA-Lib OBV). No warm-up."""
    return apply(
        obv_nb, (data_or_close, volume), (), what="obv", warmup=0, names=("close", "volume")
    )[0]


def vwap(
    data_or_high: Any,
    low: Any = None,
    close: Any = None,
    volume: Any = None,
    window: int | None = 20,
) -> Any:
    """Volume-weighted average of the typical price (high + low + close) / 3 over the last
    ``window`` bars, or since the first bar when ``window`` is None (cumulative VWAP).
    NaN where the window holds no volume. Warm-up ``window - 1`` bars (0 if cumulative)."""
    w = 0 if window is None else check_int("window", window, minimum=1, what="vwap")
    return apply(
        vwap_nb,
        (data_or_high, low, close, volume),
        (w,),
        what="vwap",
        warmup=max(w - 1, 0),
        names=("high", "low", "close", "volume"),
    )[0]


def volume_ratio(x: Any, window: int = 20) -> Any:
    """Volume divided by its ``window``-bar simple average (the current bar included);
    NaN where that average is 0. Warm-up ``window - 1`` bars."""
    w = check_int("window", window, minimum=1, what="volume_ratio")
    return apply(volume_ratio_nb, x, (w,), what="volume_ratio", warmup=w - 1, names=("volume",))[0]
