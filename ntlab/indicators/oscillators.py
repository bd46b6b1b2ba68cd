"""Oscillators and momentum: RSI, MACD, Stochastic, CCI, ADX/+DI/-DI, ROC, momentum.

Inputs and outputs as in :mod:`ntlab.indicators.moving_average`. Bar indicators (Stochastic,
CCI, ADX) take a MarketData (high, low, close) or explicit ``high, low, close`` inputs of
the same shape. All follow TA-Lib's conventions (seeding, Wilder smoothing, defaults) and
equal TA-Lib's output bit for bit on gap-free data.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ntlab.errors import ConfigError
from ntlab.indicators._frame import apply, check_int
from ntlab.indicators._osc_nb import macd_nb, roc_nb, rsi_nb
from ntlab.indicators._range_nb import adx_nb, cci_nb, stoch_nb

__all__ = [
    "rsi",
    "macd",
    "stoch",
    "cci",
    "adx",
    "roc",
    "momentum",
    "MACDResult",
    "StochResult",
    "ADXResult",
]

HLC = ("high", "low", "close")


class MACDResult(NamedTuple):
    """MACD line (fast EMA - slow EMA), its signal EMA, and the histogram line - signal."""

    line: Any
    signal: Any
    hist: Any


class StochResult(NamedTuple):
    """Slow stochastic %K and %D (0..100)."""

    k: Any
    d: Any


class ADXResult(NamedTuple):
    """Average directional index and the directional indicators (0..100)."""

    adx: Any
    plus_di: Any
    minus_di: Any


def rsi(x: Any, window: int = 14) -> Any:
    """Wilder's relative strength index (0..100); 0 when prices do not move.
    Warm-up ``window`` bars."""
    w = check_int("window", window, minimum=2, what="rsi")
    return apply(rsi_nb, x, (w,), what="rsi", warmup=w)[0]


def macd_warmup(fast: int, slow: int, signal: int) -> int:
    return slow + signal - 2


def macd_params(fast: Any, slow: Any, signal: Any, what: str = "macd") -> tuple[int, int, int]:
    """Validated (fast, slow, signal)."""
    f = check_int("fast", fast, minimum=2, what=what)
    s = check_int("slow", slow, minimum=2, what=what)
    g = check_int("signal", signal, minimum=1, what=what)
    if f >= s:
        raise ConfigError(f"{what}: fast ({f}) must be shorter than slow ({s})")
    return f, s, g


def stoch_params(fastk: Any, slowk: Any, slowd: Any, what: str = "stoch") -> tuple[int, int, int]:
    """Validated (fastk, slowk, slowd)."""
    return (
        check_int("fastk", fastk, minimum=1, what=what),
        check_int("slowk", slowk, minimum=1, what=what),
        check_int("slowd", slowd, minimum=1, what=what),
    )


def macd(x: Any, fast: int = 12, slow: int = 26, signal: int = 9) -> MACDResult:
    """MACD with TA-Lib's seeding: both EMAs start on bar ``slow - 1`` (the fast one seeded
    with the mean of its last ``fast`` values there); the signal EMA is seeded with the mean
    of the first ``signal`` MACD values. All three outputs start after
    ``slow + signal - 2`` warm-up bars."""
    f, s, g = macd_params(fast, slow, signal)
    return MACDResult(
        *apply(macd_nb, x, (f, s, g), what="macd", warmup=macd_warmup(f, s, g), n_out=3)
    )


def stoch(
    data_or_high: Any,
    low: Any = None,
    close: Any = None,
    fastk: int = 5,
    slowk: int = 3,
    slowd: int = 3,
) -> StochResult:
    """Slow stochastic (TA-Lib STOCH defaults 5/3/3, SMA smoothing).

    Fast %K = 100 * (close - lowest low) / (highest high - lowest low) over ``fastk`` bars
    (0 when the range is nil); %K is its ``slowk`` SMA and %D the ``slowd`` SMA of %K.
    Warm-up ``fastk + slowk + slowd - 3`` bars for both outputs.
    """
    fk, sk, sd = stoch_params(fastk, slowk, slowd)
    warm = fk + sk + sd - 3
    return StochResult(
        *apply(
            stoch_nb,
            (data_or_high, low, close),
            (fk, sk, sd),
            what="stoch",
            warmup=warm,
            names=HLC,
            n_out=2,
        )
    )


def cci(data_or_high: Any, low: Any = None, close: Any = None, window: int = 14) -> Any:
    """Commodity channel index: (tp - mean(tp)) / (0.015 * mean absolute deviation), with
    tp = (high + low + close) / 3 over ``window`` bars. Warm-up ``window - 1`` bars."""
    w = check_int("window", window, minimum=2, what="cci")
    return apply(cci_nb, (data_or_high, low, close), (w,), what="cci", warmup=w - 1, names=HLC)[0]


def adx(data_or_high: Any, low: Any = None, close: Any = None, window: int = 14) -> ADXResult:
    """ADX with +DI and -DI (Wilder). +DI/-DI start after ``window`` bars, ADX after
    ``2 * window - 1`` (the indicator's warm-up)."""
    w = check_int("window", window, minimum=2, what="adx")
    return ADXResult(
        *apply(
            adx_nb,
            (data_or_high, low, close),
            (w,),
            what="adx",
            warmup=2 * w - 1,
            names=HLC,
            n_out=3,
        )
    )


def roc(x: Any, window: int = 10) -> Any:
    """Rate of change in percent, ``100 * (x / x[-window] - 1)`` (0 where x[-window] is 0,
    as TA-Lib). Warm-up ``window`` bars."""
    w = check_int("window", window, minimum=1, what="roc")
    return apply(roc_nb, x, (w, 1), what="roc", warmup=w)[0]


def momentum(x: Any, window: int = 10) -> Any:
    """Momentum ``x - x[-window]`` (TA-Lib MOM). Warm-up ``window`` bars."""
    w = check_int("window", window, minimum=1, what="momentum")
    return apply(roc_nb, x, (w, 0), what="momentum", warmup=w)[0]
