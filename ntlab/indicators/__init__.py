"""Technical indicators and features: batch functions, streaming classes, a registry.

Batch functions take a Series, a DataFrame of shape (n_bars, n_symbols), a MarketData or
a NumPy array and return the same kind of object (same index and columns); one call
computes every symbol of a panel. Streaming twins live in :mod:`ntlab.indicators.stream`.

Warm-up: each indicator's first ``warmup(name, **params)`` values are NaN (TA-Lib's
lookback). Gaps: a NaN input bar (a symbol not trading) gives NaN at that bar and is
skipped: the indicator runs over the bars where the symbol trades, its recursive state
carrying across the gap (``f(x)[x.notna()] == f(x.dropna())``). Streams do the same.
Where TA-Lib has the indicator, the values agree with TA-Lib 0.8 (most bit for bit).
"""

from ntlab.indicators.features import return_features
from ntlab.indicators.moving_average import ema, sma, wma
from ntlab.indicators.oscillators import (
    ADXResult,
    MACDResult,
    StochResult,
    adx,
    cci,
    macd,
    momentum,
    roc,
    rsi,
    stoch,
)
from ntlab.indicators.registry import (
    INDICATORS,
    Indicator,
    get_indicator,
    indicators,
    register_indicator,
    unregister_indicator,
    warmup,
)
from ntlab.indicators.stats import returns, rolling_beta, rolling_corr, rolling_zscore
from ntlab.indicators.volatility import (
    BollingerResult,
    atr,
    bollinger,
    rolling_volatility,
    true_range,
)
from ntlab.indicators.volume import obv, volume_ratio, vwap

__all__ = [
    "sma",
    "ema",
    "wma",
    "rsi",
    "macd",
    "stoch",
    "cci",
    "adx",
    "roc",
    "momentum",
    "true_range",
    "atr",
    "bollinger",
    "rolling_volatility",
    "obv",
    "vwap",
    "volume_ratio",
    "returns",
    "rolling_zscore",
    "rolling_corr",
    "rolling_beta",
    "return_features",
    "MACDResult",
    "StochResult",
    "ADXResult",
    "BollingerResult",
    "INDICATORS",
    "Indicator",
    "get_indicator",
    "indicators",
    "register_indicator",
    "unregister_indicator",
    "warmup",
]
