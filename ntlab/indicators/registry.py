"""The list of indicators ntlab exposes, with their streaming twins and warm-ups.

The shared tests walk :data:`INDICATORS`, so an indicator added here is checked
automatically (streaming == batch, gaps, warm-up, bad parameters).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ntlab.errors import ConfigError
from ntlab.indicators import (
    features,
    moving_average,
    oscillators,
    stats,
    stream,
    volatility,
    volume,
)

__all__ = ["Indicator", "INDICATORS", "get_indicator", "warmup", "call_outputs"]


@dataclass(frozen=True)
class Indicator:
    """One indicator: batch function, streaming class and what they take and give.

    ``inputs`` names what ``function(*inputs, **params)`` and ``stream.update(*bar)`` take,
    in order ("close", "high", "low", "volume", or "x"/"y" for pairs). ``outputs`` names
    the results in order; ``warmup(**params)`` is the number of leading NaN bars of the
    slowest output on gap-free data.
    """

    name: str
    function: Callable[..., Any]
    stream: type[stream.StreamIndicator]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    warmup: Callable[..., int]
    params: Mapping[str, Any] = field(default_factory=dict)
    talib: str | None = None

    def compute(self, *inputs: Any, **params: Any) -> tuple[Any, ...]:
        """Batch outputs as a tuple in ``outputs`` order."""
        return call_outputs(self.function(*inputs, **params))

    def make_stream(self, n_symbols: int | None = None, **params: Any) -> stream.StreamIndicator:
        return self.stream(**params, n_symbols=n_symbols)


def call_outputs(result: Any) -> tuple[Any, ...]:
    """Normalise a function's result (object, NamedTuple or dict) to a tuple."""
    if isinstance(result, dict):
        return tuple(result.values())
    if isinstance(result, tuple):
        return tuple(result)
    return (result,)


_HLC = ("high", "low", "close")
_V = ("value",)


def _spec(name, function, cls, inputs, outputs, warm, params, talib=None) -> Indicator:
    return Indicator(
        name, function, cls, inputs, outputs, warm, MappingProxyType(dict(params)), talib
    )


INDICATORS: tuple[Indicator, ...] = (
    _spec(
        "sma",
        moving_average.sma,
        stream.SMA,
        ("close",),
        _V,
        lambda window=20: window - 1,
        {"window": 20},
        "SMA",
    ),
    _spec(
        "ema",
        moving_average.ema,
        stream.EMA,
        ("close",),
        _V,
        lambda window=20: window - 1,
        {"window": 20},
        "EMA",
    ),
    _spec(
        "wma",
        moving_average.wma,
        stream.WMA,
        ("close",),
        _V,
        lambda window=20: window - 1,
        {"window": 20},
        "WMA",
    ),
    _spec(
        "rsi",
        oscillators.rsi,
        stream.RSI,
        ("close",),
        _V,
        lambda window=14: window,
        {"window": 14},
        "RSI",
    ),
    _spec(
        "macd",
        oscillators.macd,
        stream.MACD,
        ("close",),
        oscillators.MACD._fields,
        lambda fast=12, slow=26, signal=9: oscillators.macd_warmup(fast, slow, signal),
        {"fast": 12, "slow": 26, "signal": 9},
        "MACD",
    ),
    _spec(
        "stoch",
        oscillators.stoch,
        stream.Stoch,
        _HLC,
        oscillators.Stoch._fields,
        lambda fastk=5, slowk=3, slowd=3: fastk + slowk + slowd - 3,
        {"fastk": 5, "slowk": 3, "slowd": 3},
        "STOCH",
    ),
    _spec(
        "cci",
        oscillators.cci,
        stream.CCI,
        _HLC,
        _V,
        lambda window=14: window - 1,
        {"window": 14},
        "CCI",
    ),
    _spec(
        "adx",
        oscillators.adx,
        stream.ADX,
        _HLC,
        oscillators.ADX._fields,
        lambda window=14: 2 * window - 1,
        {"window": 14},
        "ADX",
    ),
    _spec(
        "roc",
        oscillators.roc,
        stream.ROC,
        ("close",),
        _V,
        lambda window=10: window,
        {"window": 10},
        "ROC",
    ),
    _spec(
        "momentum",
        oscillators.momentum,
        stream.Momentum,
        ("close",),
        _V,
        lambda window=10: window,
        {"window": 10},
        "MOM",
    ),
    _spec("true_range", volatility.true_range, stream.TrueRange, _HLC, _V, lambda: 1, {}, "TRANGE"),
    _spec(
        "atr", volatility.atr, stream.ATR, _HLC, _V, lambda window=14: window, {"window": 14}, "ATR"
    ),
    _spec(
        "bollinger",
        volatility.bollinger,
        stream.Bollinger,
        ("close",),
        volatility.Bollinger._fields,
        lambda window=20, k=2.0: window - 1,
        {"window": 20, "k": 2.0},
        "BBANDS",
    ),
    _spec(
        "rolling_volatility",
        volatility.rolling_volatility,
        stream.Volatility,
        ("close",),
        _V,
        lambda window=20, log=True, periods_per_year=None: window,
        {"window": 20, "log": True, "periods_per_year": None},
    ),
    _spec("obv", volume.obv, stream.OBV, ("close", "volume"), _V, lambda: 0, {}, "OBV"),
    _spec(
        "vwap",
        volume.vwap,
        stream.VWAP,
        ("high", "low", "close", "volume"),
        _V,
        lambda window=20: max((window or 0) - 1, 0),
        {"window": 20},
    ),
    _spec(
        "volume_ratio",
        volume.volume_ratio,
        stream.VolumeRatio,
        ("volume",),
        _V,
        lambda window=20: window - 1,
        {"window": 20},
    ),
    _spec(
        "returns",
        stats.returns,
        stream.Returns,
        ("close",),
        _V,
        lambda periods=1, log=False: periods,
        {"periods": 1, "log": False},
    ),
    _spec(
        "rolling_zscore",
        stats.rolling_zscore,
        stream.ZScore,
        ("close",),
        _V,
        lambda window=20: window - 1,
        {"window": 20},
    ),
    _spec(
        "rolling_corr",
        stats.rolling_corr,
        stream.Corr,
        ("x", "y"),
        _V,
        lambda window=30: window - 1,
        {"window": 30},
        "CORREL",
    ),
    _spec(
        "rolling_beta",
        stats.rolling_beta,
        stream.Beta,
        ("x", "benchmark"),
        _V,
        lambda window=20: window - 1,
        {"window": 20},
        "BETA",
    ),
    _spec(
        "return_features",
        features.return_features,
        stream.ReturnFeatures,
        ("close", "volume"),
        features.feature_names(),
        lambda horizons=features.DEFAULT_HORIZONS, volume_window=20: max(
            max(horizons), volume_window - 1
        ),
        {"horizons": features.DEFAULT_HORIZONS, "volume_window": 20},
    ),
)

_BY_NAME = {spec.name: spec for spec in INDICATORS}


def get_indicator(name: str) -> Indicator:
    """The registered indicator called ``name``."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ConfigError(f"unknown indicator {name!r}; known: {sorted(_BY_NAME)}") from None


def warmup(name: str, **params: Any) -> int:
    """Leading NaN bars of indicator ``name`` with ``params`` (defaults where not given)."""
    spec = get_indicator(name)
    return int(spec.warmup(**{**spec.params, **params}))
